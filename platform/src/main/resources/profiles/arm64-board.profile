# A real arm64 board's device tree, booted the way a boot loader boots it: the blob as it is
# (its own totalsize), the kernel Image at the first 2 MiB boundary from RAM + 2 MiB that is
# clear of /reserved-memory regions and /memreserve/ entries, and the command line from the
# tree's /chosen/bootargs (this profile gives none). Give the tree with --dtb and, when its
# memory node is missing or a size-0 placeholder, the board's RAM with --mem SIZE@BASE.
name = arm64-board
description = a real board's device tree (--dtb), loaded as a boot loader would, bootargs from the tree
arch = arm64
dtb.size = file
kernel.base = auto
dtb.base = auto
