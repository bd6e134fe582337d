# A 1 TiB x86_64 server: the pc firmware layout below 4 GiB and RAM from 4 GiB to 1 TiB + 1 GiB
# (1 TiB of RAM in all), 64 CPUs. Shows swiotlb areas per CPU and the largest atomic pools.
name = server-x86_64-1t
description = x86_64 server, 1 TiB RAM, 64 CPUs, Debian 12 amd64 Linux 6.1
arch = x86_64
e820 = server-x86_64-1t.e820
cmdline = console=ttyS0 nokaslr
cpus = 64
