/*
 * high-mmap.so: preloaded into the lab's COMMAND (vagrant/lab/run), it makes
 * a process's later mappings land above 4 GiB, as they do under a real
 * x86-64 kernel.
 *
 * Why: user-mode Linux lays out mmap bottom-up from 0x40000000, so shared
 * libraries, heaps and JIT code all sit in the low 4 GiB. .NET's JIT then
 * produces MinOpts-grade code for optimised methods (a pure integer loop ran
 * 3x slower in the guest than on the host; C and Python ran at host speed),
 * which would make every .NET number the lab prints a UML artefact.
 *
 * How: at load time, before the program maps anything else, reserve every
 * gap below 4 GiB (read from /proc/self/maps) as PROT_NONE, MAP_NORESERVE:
 * no memory is committed, and the kernel's bottom-up search then starts
 * above 4 GiB. What is already mapped (the loader, the program, libc) stays.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>

#define LOW_LIMIT 0x100000000ull
#define LOWEST_ADDRESS 0x10000ull /* vm.mmap_min_addr */
#define MAX_GAPS 64

__attribute__((constructor)) static void reserve_low_address_space(void)
{
    uintptr_t gap_start[MAX_GAPS], gap_end[MAX_GAPS];
    int gaps = 0;
    uintptr_t previous_end = LOWEST_ADDRESS;
    unsigned long start, end;
    char line[512];

    FILE *maps = fopen("/proc/self/maps", "re");
    if (maps == NULL)
        return;
    while (gaps < MAX_GAPS && fgets(line, sizeof line, maps) != NULL) {
        if (sscanf(line, "%lx-%lx", &start, &end) != 2)
            continue;
        if (start >= LOW_LIMIT)
            break;
        if (start > previous_end) {
            gap_start[gaps] = previous_end;
            gap_end[gaps] = start;
            gaps++;
        }
        if (end > previous_end)
            previous_end = end;
    }
    fclose(maps);
    if (gaps < MAX_GAPS && previous_end < LOW_LIMIT) {
        gap_start[gaps] = previous_end;
        gap_end[gaps] = LOW_LIMIT;
        gaps++;
    }

    /* Best effort: a gap that cannot be reserved only means that some later
     * mapping may still land low. */
    for (int i = 0; i < gaps; i++)
        mmap((void *)gap_start[i], gap_end[i] - gap_start[i], PROT_NONE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
}
