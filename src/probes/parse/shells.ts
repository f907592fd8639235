/**
 * /etc/shells(5) and what CIS calls a "valid login shell": a shell listed there whose
 * name is not nologin. Without /etc/shells the rule falls back to "not nologin or false".
 */
export function parseShells(text: string): string[] {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.startsWith("/"));
}

export function isValidLoginShell(shell: string, shells: readonly string[] | null): boolean {
  const base = shell.slice(shell.lastIndexOf("/") + 1);
  if (shells === null) return shell === "" || (base !== "nologin" && base !== "false");
  return base !== "nologin" && shells.includes(shell);
}
