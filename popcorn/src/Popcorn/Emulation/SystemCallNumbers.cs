namespace Popcorn.Emulation;

/// <summary>Linux system-call numbers of the asm-generic table, which aarch64 and riscv64 share.</summary>
public static class SystemCallNumbers
{
#pragma warning disable CS1591 // The names are the kernel's.
    public const int Getcwd = 17, Dup = 23, Dup3 = 24, Fcntl = 25, Ioctl = 29, Unlinkat = 35, Faccessat = 48, Openat = 56, Close = 57,
        Lseek = 62, Read = 63, Write = 64, Readv = 65, Writev = 66, Pread64 = 67, Pwrite64 = 68, Readlinkat = 78, Newfstatat = 79,
        Fstat = 80, Exit = 93, ExitGroup = 94, SetTidAddress = 96, Futex = 98, SetRobustList = 99, Nanosleep = 101,
        ClockGettime = 113, ClockGetres = 114, ClockNanosleep = 115, SchedYield = 124, Kill = 129, Tkill = 130, Tgkill = 131,
        Sigaltstack = 132, RtSigaction = 134, RtSigprocmask = 135, Uname = 160, Gettimeofday = 169, Getpid = 172, Getppid = 173,
        Getuid = 174, Geteuid = 175, Getgid = 176, Getegid = 177, Gettid = 178, Brk = 214, Munmap = 215, Clone = 220, Mmap = 222,
        Mprotect = 226, Madvise = 233, Prlimit64 = 261, Renameat2 = 276, Getrandom = 278, Rseq = 293;
#pragma warning restore CS1591

    /// <summary>The name of system call <paramref name="number"/>, or its number in text.</summary>
    public static string Name(long number) => number switch
    {
        Getcwd => "getcwd", Dup => "dup", Dup3 => "dup3", Fcntl => "fcntl", Ioctl => "ioctl", Unlinkat => "unlinkat",
        Faccessat => "faccessat", Openat => "openat", Close => "close", Lseek => "lseek", Read => "read", Write => "write",
        Readv => "readv", Writev => "writev", Pread64 => "pread64", Pwrite64 => "pwrite64", Readlinkat => "readlinkat",
        Newfstatat => "newfstatat", Fstat => "fstat", Exit => "exit", ExitGroup => "exit_group", SetTidAddress => "set_tid_address",
        Futex => "futex", SetRobustList => "set_robust_list", Nanosleep => "nanosleep", ClockGettime => "clock_gettime",
        ClockGetres => "clock_getres", ClockNanosleep => "clock_nanosleep", SchedYield => "sched_yield", Kill => "kill",
        Tkill => "tkill", Tgkill => "tgkill", Sigaltstack => "sigaltstack", RtSigaction => "rt_sigaction",
        RtSigprocmask => "rt_sigprocmask", Uname => "uname", Gettimeofday => "gettimeofday", Getpid => "getpid",
        Getppid => "getppid", Getuid => "getuid", Geteuid => "geteuid", Getgid => "getgid", Getegid => "getegid",
        Gettid => "gettid", Brk => "brk", Munmap => "munmap", Clone => "clone", Mmap => "mmap", Mprotect => "mprotect",
        Madvise => "madvise", Prlimit64 => "prlimit64", Renameat2 => "renameat2", Getrandom => "getrandom", Rseq => "rseq",
        _ => $"#{number}",
    };
}

/// <summary>The errno values the system-call layer returns (negated, as the kernel does).</summary>
public static class Errno
{
#pragma warning disable CS1591 // The names are POSIX's.
    public const int EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, EBADF = 9, EAGAIN = 11, ENOMEM = 12, EACCES = 13,
        EFAULT = 14, EEXIST = 17, ENOTDIR = 20, EISDIR = 21, EINVAL = 22, EMFILE = 24, ENOTTY = 25, ENOSPC = 28, ESPIPE = 29,
        ERANGE = 34, ENOSYS = 38, ENOTEMPTY = 39, ETIMEDOUT = 110;
#pragma warning restore CS1591
}
