/** cis-ubuntu-22.04: a pass and a fail fixture for every check (table in cis-linux-cases.ts). */
import { describeLinuxPack } from "./cis-linux-pack.js";

describeLinuxPack("cis-ubuntu-22.04", "ubuntu-22.04");
