/* Process start-up: arguments, environment, TLS of the main thread, main, exit. */
#include "internal.h"
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

char **environ;
/* argv[0] and its last path component, as glibc names them (assert and perror-style messages print the latter). */
char *program_invocation_name = "", *program_invocation_short_name = "";

/* The TLS template, from symbols the generated linker script defines (weak: the first, unaligned link has none). */
extern const unsigned char __pc_tdata_start[] __attribute__((weak, visibility("hidden")));
extern const unsigned char __pc_tdata_end[] __attribute__((weak, visibility("hidden")));
extern const unsigned char __pc_tbss_end[] __attribute__((weak, visibility("hidden")));
extern const unsigned char __pc_tls_align[] __attribute__((weak, visibility("hidden")));
static const unsigned char *tls_image;
static size_t tls_file_size, tls_memory_size, tls_align = 16;

size_t __pc_tls_area_size(void)
{
    return tls_memory_size + 2 * tls_align + 16;
}

void *__pc_tls_init(void *area)
{
    unsigned long reserve = tls_align > 16 ? tls_align : 16;
    uintptr_t block = ((uintptr_t)area + reserve + tls_align - 1) & ~(uintptr_t)(tls_align - 1);
    memcpy((void *)block, tls_image, tls_file_size);
    memset((char *)block + tls_file_size, 0, tls_memory_size - tls_file_size);
    return (void *)(block - __pc_thread_pointer_bias(tls_align));
}

int main(int argc, char **argv, char **envp);

_Noreturn void __pc_start_c(long *sp)
{
    int argc = (int)sp[0];
    char **argv = (char **)(sp + 1);
    environ = argv + argc + 1;
    if (argc > 0 && argv[0]) {
        program_invocation_name = program_invocation_short_name = argv[0];
        for (char *p = argv[0]; *p; p++)
            if (*p == '/')
                program_invocation_short_name = p + 1;
    }
    tls_image = __pc_tdata_start;
    tls_file_size = (size_t)(__pc_tdata_end - __pc_tdata_start);
    tls_memory_size = (size_t)(__pc_tbss_end - __pc_tdata_start);
    if ((uintptr_t)__pc_tls_align > tls_align)
        tls_align = (uintptr_t)__pc_tls_align;
    void *area = mmap(0, __pc_tls_area_size(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (area == MAP_FAILED)
        __pc_syscall1(SYS_exit_group, 127);
    __pc_set_thread_pointer(__pc_tls_init(area));
    exit(main(argc, argv, environ));
}
