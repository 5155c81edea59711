"""The SMARS order router: builds, the routing core, SSH management, the process."""
