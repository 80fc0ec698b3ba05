using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using static Popcorn.Emulation.Errno;
using static Popcorn.Emulation.SystemCallNumbers;

namespace Popcorn.Emulation;

/// <summary>What the scheduler does after a system call.</summary>
public enum SystemCallOutcome
{
    /// <summary>The result is in the thread's return register; keep running it.</summary>
    Continue,

    /// <summary>The result is written; let the other threads run first (<c>sched_yield</c>, <c>nanosleep</c>).</summary>
    Yield,

    /// <summary>The thread waits on a futex; its result is written when it is woken.</summary>
    Blocked,

    /// <summary>The thread exited.</summary>
    ThreadExited,

    /// <summary>The whole process ended; see <see cref="GuestProcess.Exit"/>.</summary>
    ProcessExited,
}

public sealed partial class GuestProcess
{
    private const int CloneVm = 0x100, CloneThread = 0x10000, CloneSettls = 0x80000, CloneParentSettid = 0x100000,
        CloneChildCleartid = 0x200000, CloneChildSettid = 0x1000000;

    private const int MaxTransfer = 1 << 20;

    private long _virtualTime;

    /// <summary>
    /// Performs the system call pending in <paramref name="thread"/>'s registers (number and six arguments, asm-generic
    /// numbering), reading and writing guest memory through <paramref name="memory"/>, the view of the node it runs on.
    /// Errors are returned to the guest as negated errno values, as the kernel does.
    /// </summary>
    /// <remarks>
    /// <c>clone</c> takes (flags, stack, parent_tid, tls, child_tid), the order aarch64 and riscv64 use; only threads
    /// (<c>CLONE_VM|CLONE_THREAD</c>) are supported. The child starts as a copy of the parent with result 0.
    /// </remarks>
    public SystemCallOutcome Dispatch(GuestThread thread, GuestMemory memory)
    {
        ArgumentNullException.ThrowIfNull(thread);
        ArgumentNullException.ThrowIfNull(memory);
        var s = thread.State;
        var number = s.SystemCallNumber;
        ulong A(int i) => s.GetSystemCallArgument(i);
        long result;
        try
        {
            switch (number)
            {
                case Read:
                    result = ReadFile((int)A(0), memory, A(1), A(2));
                    break;
                case Write:
                    result = WriteFile((int)A(0), memory, A(1), A(2));
                    break;
                case Readv:
                case Writev:
                    result = Vectored(number == Writev, (int)A(0), memory, A(1), (int)A(2));
                    break;
                case Openat:
                    result = Open((int)A(0), memory.ReadCString(A(1)), (int)A(2));
                    break;
                case Close:
                    result = CloseFile((int)A(0));
                    break;
                case Lseek:
                    result = Seek((int)A(0), (long)A(1), (int)A(2));
                    break;
                case Fstat:
                    result = Stat((int)A(0), memory, A(1));
                    break;
                case Newfstatat:
                    result = memory.ReadCString(A(1)).Length == 0 ? Stat((int)A(0), memory, A(2)) : -ENOSYS;
                    break;
                case Ioctl:
                    result = TerminalControl((int)A(0), A(1), memory, A(2));
                    break;
                case SystemCallNumbers.Exit:
                    return ExitThread(thread, memory, (int)A(0));
                case ExitGroup:
                    Terminate(new ExitStatus((int)A(0) & 0xFF, 0, null));
                    return SystemCallOutcome.ProcessExited;
                case SetTidAddress:
                    thread.ClearChildTid = A(0);
                    result = thread.Id;
                    break;
                case Futex:
                    return FutexCall(thread, memory);
                case Clone:
                    result = CloneThreadCall(thread, memory);
                    break;
                case Brk:
                    result = (long)Space.SetProgramBreak(A(0));
                    break;
                case Mmap:
                    result = MapMemory(memory, A(0), A(1), (int)A(2), (int)A(3), (int)A(4), (long)A(5));
                    break;
                case Munmap:
                    if ((A(0) & (AddressSpace.PageSize - 1)) != 0 || A(1) == 0)
                    {
                        result = -EINVAL;
                        break;
                    }
                    Space.Unmap(A(0), A(1));
                    result = 0;
                    break;
                case Mprotect:
                    result = (A(0) & (AddressSpace.PageSize - 1)) != 0 ? -EINVAL
                        : Space.Protect(A(0), A(1), (PagePermissions)(A(2) & 7)) ? 0 : -ENOMEM;
                    break;
                case Madvise:
                case SetRobustList:
                case RtSigaction:
                case Sigaltstack:
                    result = 0;
                    break;
                case RtSigprocmask:
                    if (A(2) != 0)
                    {
                        memory.Write64(A(2), 0);
                    }
                    result = 0;
                    break;
                case ClockGettime:
                    result = ClockTime((int)A(0), memory, A(1));
                    break;
                case ClockGetres:
                    if (A(1) != 0)
                    {
                        memory.Write64(A(1), 0);
                        memory.Write64(A(1) + 8, 1);
                    }
                    result = 0;
                    break;
                case Gettimeofday:
                    if (A(0) != 0)
                    {
                        var now = DateTimeOffset.UtcNow;
                        memory.Write64(A(0), (ulong)now.ToUnixTimeSeconds());
                        memory.Write64(A(0) + 8, (ulong)(now.ToUnixTimeMilliseconds() % 1000 * 1000));
                    }
                    result = 0;
                    break;
                case Getpid:
                    result = ProcessId;
                    break;
                case Getppid:
                    result = 1;
                    break;
                case Gettid:
                    result = thread.Id;
                    break;
                case Getuid:
                case Geteuid:
                case Getgid:
                case Getegid:
                    result = 0;
                    break;
                case SchedYield:
                case Nanosleep:
                case ClockNanosleep:
                    s.SetSystemCallResult(0);
                    return SystemCallOutcome.Yield;
                case Kill:
                case Tkill:
                case Tgkill:
                    return Signal(thread, number == Tgkill ? (int)A(2) : (int)A(1));
                case Uname:
                    result = WriteUname(memory, A(0), s.Isa);
                    break;
                case Getrandom:
                    result = Random(memory, A(0), A(1));
                    break;
                case Getcwd:
                    result = CurrentDirectory(memory, A(0), A(1));
                    break;
                case Unlinkat:
                    result = Unlink(memory.ReadCString(A(1)));
                    break;
                case Renameat2:
                    result = A(4) != 0 ? -EINVAL : Rename(memory.ReadCString(A(1)), memory.ReadCString(A(3)));
                    break;
                default:
                    if (_reportedUnknownCalls.Add(number))
                    {
                        _log.WriteLine($"popcorn: system call {Name(number)} is not implemented; returning -ENOSYS to thread {thread.Id} at 0x{s.ProgramCounter:x}");
                    }
                    result = -ENOSYS;
                    break;
            }
        }
        catch (GuestFaultException)
        {
            result = -EFAULT;
        }
        s.SetSystemCallResult(result);
        return SystemCallOutcome.Continue;
    }

    private long ReadFile(int fd, GuestMemory memory, ulong buffer, ulong count)
    {
        if (!_files.TryGetValue(fd, out var file))
        {
            return -EBADF;
        }
        var n = (int)Math.Min(count, MaxTransfer);
        var bytes = ArrayPool<byte>.Shared.Rent(Math.Max(n, 1));
        try
        {
            var got = file.Stream.Read(bytes, 0, n);
            memory.Write(buffer, bytes.AsSpan(0, got));
            return got;
        }
        catch (NotSupportedException)
        {
            return -EBADF;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private long WriteFile(int fd, GuestMemory memory, ulong buffer, ulong count)
    {
        if (!_files.TryGetValue(fd, out var file))
        {
            return -EBADF;
        }
        var n = (int)Math.Min(count, MaxTransfer);
        var bytes = ArrayPool<byte>.Shared.Rent(Math.Max(n, 1));
        try
        {
            memory.Read(buffer, bytes.AsSpan(0, n));
            file.Stream.Write(bytes, 0, n);
            if (file.IsStandard)
            {
                file.Stream.Flush();
            }
            return n;
        }
        catch (NotSupportedException)
        {
            return -EBADF;
        }
        catch (IOException)
        {
            return -EIO;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private long Vectored(bool write, int fd, GuestMemory memory, ulong vector, int count)
    {
        if (count < 0 || count > 1024)
        {
            return -EINVAL;
        }
        long total = 0;
        for (var i = 0; i < count; i++)
        {
            var bases = memory.Read64(vector + ((ulong)i * 16));
            var length = memory.Read64(vector + ((ulong)i * 16) + 8);
            if (length == 0)
            {
                continue;
            }
            var n = write ? WriteFile(fd, memory, bases, length) : ReadFile(fd, memory, bases, length);
            if (n < 0)
            {
                return total > 0 ? total : n;
            }
            total += n;
            if ((ulong)n < length)
            {
                break;
            }
        }
        return total;
    }

    private long Open(int directory, string path, int flags)
    {
        const int AtFdcwd = -100, Creat = 0x40, Excl = 0x80, Trunc = 0x200, Append = 0x400;
        if (directory != AtFdcwd && !Path.IsPathRooted(path))
        {
            return -ENOTDIR;
        }
        if (Directory.Exists(path))
        {
            return -EISDIR;
        }
        var access = (flags & 3) switch { 0 => FileAccess.Read, 1 => FileAccess.Write, _ => FileAccess.ReadWrite };
        var mode = (flags & (Creat | Excl)) == (Creat | Excl) ? FileMode.CreateNew
            : (flags & Creat) != 0 ? ((flags & Trunc) != 0 ? FileMode.Create : FileMode.OpenOrCreate)
            : (flags & Trunc) != 0 ? FileMode.Truncate : FileMode.Open;
        try
        {
            var stream = new FileStream(path, mode, access, FileShare.ReadWrite | FileShare.Delete);
            if ((flags & Append) != 0)
            {
                stream.Seek(0, SeekOrigin.End);
            }
            var fd = 3;
            while (_files.ContainsKey(fd))
            {
                fd++;
            }
            _files[fd] = new GuestFile(stream, path);
            return fd;
        }
        catch (FileNotFoundException)
        {
            return -ENOENT;
        }
        catch (DirectoryNotFoundException)
        {
            return -ENOENT;
        }
        catch (UnauthorizedAccessException)
        {
            return -EACCES;
        }
        catch (IOException) when (mode == FileMode.CreateNew && File.Exists(path))
        {
            return -EEXIST;
        }
        catch (IOException)
        {
            return -EIO;
        }
        catch (ArgumentException)
        {
            return -ENOENT;
        }
    }

    private long CloseFile(int fd)
    {
        if (!_files.Remove(fd, out var file))
        {
            return -EBADF;
        }
        if (file.IsStandard)
        {
            file.Stream.Flush();
        }
        else
        {
            file.Stream.Dispose();
        }
        return 0;
    }

    private long Seek(int fd, long offset, int whence)
    {
        if (!_files.TryGetValue(fd, out var file))
        {
            return -EBADF;
        }
        if (!file.Stream.CanSeek)
        {
            return -ESPIPE;
        }
        if (whence is < 0 or > 2)
        {
            return -EINVAL;
        }
        try
        {
            return file.Stream.Seek(offset, (SeekOrigin)whence);
        }
        catch (IOException)
        {
            return -EINVAL;
        }
    }

    /// <summary>ioctl: TCGETS on a terminal answers a termios of zeros (36 bytes, asm-generic), which is all isatty
    /// asks; every other request, and TCGETS on anything else, is ENOTTY.</summary>
    private long TerminalControl(int fd, ulong request, GuestMemory memory, ulong buffer)
    {
        const ulong Tcgets = 0x5401;
        if (!_files.TryGetValue(fd, out var file))
        {
            return -EBADF;
        }
        if (request != Tcgets || !file.IsTerminal)
        {
            return -ENOTTY;
        }
        Span<byte> termios = stackalloc byte[36];
        termios.Clear();
        memory.Write(buffer, termios);
        return 0;
    }

    private long Stat(int fd, GuestMemory memory, ulong buffer)
    {
        if (!_files.TryGetValue(fd, out var file))
        {
            return -EBADF;
        }
        // struct stat of the asm-generic ABI: 128 bytes.
        Span<byte> stat = stackalloc byte[128];
        stat.Clear();
        var mode = file.IsStandard ? 0x2000u | 0x1B6 : 0x8000u | 0x1A4;
        BinaryPrimitives.WriteUInt64LittleEndian(stat[8..], (ulong)fd + 1);
        BinaryPrimitives.WriteUInt32LittleEndian(stat[16..], mode);
        BinaryPrimitives.WriteUInt32LittleEndian(stat[20..], 1);
        BinaryPrimitives.WriteInt64LittleEndian(stat[48..], file.IsStandard || !file.Stream.CanSeek ? 0 : file.Stream.Length);
        BinaryPrimitives.WriteInt32LittleEndian(stat[56..], 4096);
        memory.Write(buffer, stat);
        return 0;
    }

    private long MapMemory(GuestMemory memory, ulong address, ulong length, int protection, int flags, int fd, long offset)
    {
        const int Fixed = 0x10, Anonymous = 0x20;
        if (length == 0 || (address & (AddressSpace.PageSize - 1)) != 0)
        {
            return -EINVAL;
        }
        GuestFile? file = null;
        if ((flags & Anonymous) == 0 && !_files.TryGetValue(fd, out file))
        {
            return -EBADF;
        }
        var permissions = (PagePermissions)(protection & 7);
        ulong at;
        if ((flags & Fixed) != 0)
        {
            Space.Map(address, length, permissions);
            at = address;
        }
        else if (Space.MapAnywhere(length, permissions, address) is { } placed)
        {
            at = placed;
        }
        else
        {
            return -ENOMEM;
        }
        if (file is not null && file.Stream.CanSeek)
        {
            var saved = file.Stream.Position;
            file.Stream.Position = offset;
            var bytes = new byte[(int)Math.Min(length, (ulong)Math.Max(0, file.Stream.Length - offset))];
            file.Stream.ReadExactly(bytes);
            file.Stream.Position = saved;
            memory.WriteInitial(at, bytes);
        }
        return (long)at;
    }

    private static long ClockTime(int clock, GuestMemory memory, ulong buffer)
    {
        long seconds, nanoseconds;
        if (clock == 0)
        {
            var ticks = DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks;
            seconds = ticks / TimeSpan.TicksPerSecond;
            nanoseconds = ticks % TimeSpan.TicksPerSecond * 100;
        }
        else
        {
            var ticks = Stopwatch.GetTimestamp();
            seconds = ticks / Stopwatch.Frequency;
            nanoseconds = (long)((double)(ticks % Stopwatch.Frequency) * 1e9 / Stopwatch.Frequency);
        }
        memory.Write64(buffer, (ulong)seconds);
        memory.Write64(buffer + 8, (ulong)nanoseconds);
        return 0;
    }

    private static long WriteUname(GuestMemory memory, ulong buffer, Isa isa)
    {
        var fields = new[] { "Linux", "popcorn", "6.1.0-popcorn", "#1 SMP", isa.Name(), "(none)" };
        var bytes = new byte[65 * fields.Length];
        for (var i = 0; i < fields.Length; i++)
        {
            Encoding.ASCII.GetBytes(fields[i], bytes.AsSpan(i * 65));
        }
        memory.Write(buffer, bytes);
        return 0;
    }

    private long Random(GuestMemory memory, ulong buffer, ulong length)
    {
        // Deterministic (splitmix64) so that runs replay exactly.
        var n = (int)Math.Min(length, 256);
        var bytes = new byte[n];
        for (var i = 0; i < n; i++)
        {
            _randomState += 0x9E3779B97F4A7C15;
            var z = _randomState;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
            bytes[i] = (byte)(z ^ (z >> 31));
        }
        memory.Write(buffer, bytes);
        return n;
    }

    private static long CurrentDirectory(GuestMemory memory, ulong buffer, ulong size)
    {
        var bytes = Encoding.UTF8.GetBytes(Environment.CurrentDirectory + "\0");
        if ((ulong)bytes.Length > size)
        {
            return -ERANGE;
        }
        memory.Write(buffer, bytes);
        return bytes.Length;
    }

    private static long Unlink(string path)
    {
        if (!File.Exists(path))
        {
            return -ENOENT;
        }
        try
        {
            File.Delete(path);
            return 0;
        }
        catch (IOException)
        {
            return -EIO;
        }
        catch (UnauthorizedAccessException)
        {
            return -EACCES;
        }
    }

    /// <summary>renameat2 without flags, paths relative to the current directory: a file replaces the target
    /// file, a directory moves only to a name that does not exist.</summary>
    private static long Rename(string from, string to)
    {
        try
        {
            if (File.Exists(from))
            {
                if (Directory.Exists(to))
                {
                    return -EISDIR;
                }
                File.Move(from, to, overwrite: true);
                return 0;
            }
            if (!Directory.Exists(from))
            {
                return -ENOENT;
            }
            if (File.Exists(to) || Directory.Exists(to))
            {
                return File.Exists(to) ? -ENOTDIR : -ENOTEMPTY;
            }
            Directory.Move(from, to);
            return 0;
        }
        catch (DirectoryNotFoundException)
        {
            return -ENOENT;
        }
        catch (IOException)
        {
            return -EIO;
        }
        catch (UnauthorizedAccessException)
        {
            return -EACCES;
        }
    }

    private SystemCallOutcome Signal(GuestThread thread, int signal)
    {
        // Signals whose default action is to ignore; everything else terminates the process.
        if (signal is 0 or 17 or 23 or 28)
        {
            thread.State.SetSystemCallResult(0);
            return SystemCallOutcome.Continue;
        }
        Terminate(new ExitStatus(0, signal, $"thread {thread.Id} raised signal {signal}"));
        return SystemCallOutcome.ProcessExited;
    }

    private long CloneThreadCall(GuestThread parent, GuestMemory memory)
    {
        var s = parent.State;
        var flags = (long)s.GetSystemCallArgument(0);
        var stack = s.GetSystemCallArgument(1);
        var parentTid = s.GetSystemCallArgument(2);
        var tls = s.GetSystemCallArgument(3);
        var childTid = s.GetSystemCallArgument(4);
        if ((flags & (CloneVm | CloneThread)) != (CloneVm | CloneThread))
        {
            if (_reportedUnknownCalls.Add(-Clone))
            {
                _log.WriteLine($"popcorn: clone with flags 0x{flags:x} (a new process) is not supported; only threads (CLONE_VM|CLONE_THREAD)");
            }
            return -ENOSYS;
        }
        var state = s.Clone();
        state.ClearReservation();
        state.SetSystemCallResult(0);
        if (stack != 0)
        {
            state.StackPointer = stack;
        }
        if ((flags & CloneSettls) != 0)
        {
            state.ThreadPointer = tls;
        }
        var child = new GuestThread(ProcessId + _threads.Count, state);
        if ((flags & CloneParentSettid) != 0)
        {
            memory.Write32(parentTid, (uint)child.Id);
        }
        if ((flags & CloneChildSettid) != 0)
        {
            memory.Write32(childTid, (uint)child.Id);
        }
        if ((flags & CloneChildCleartid) != 0)
        {
            child.ClearChildTid = childTid;
        }
        _threads.Add(child);
        return child.Id;
    }

    private SystemCallOutcome ExitThread(GuestThread thread, GuestMemory memory, int code)
    {
        thread.Status = ThreadStatus.Exited;
        if (thread.ClearChildTid != 0)
        {
            try
            {
                memory.Write32(thread.ClearChildTid, 0);
                Wake(thread.ClearChildTid, 1, uint.MaxValue);
            }
            catch (GuestFaultException)
            {
                // The kernel ignores a bad clear_child_tid address too.
            }
        }
        if (_threads.All(t => t.Status == ThreadStatus.Exited))
        {
            Terminate(new ExitStatus(code & 0xFF, 0, null));
            return SystemCallOutcome.ProcessExited;
        }
        return SystemCallOutcome.ThreadExited;
    }

    private SystemCallOutcome FutexCall(GuestThread thread, GuestMemory memory)
    {
        const int Wait = 0, FutexWake = 1, Requeue = 3, CmpRequeue = 4, WaitBitset = 9, WakeBitset = 10;
        var s = thread.State;
        var address = s.GetSystemCallArgument(0);
        var op = (int)s.GetSystemCallArgument(1) & 0x7F;
        var value = (uint)s.GetSystemCallArgument(2);
        var timeout = s.GetSystemCallArgument(3);
        var address2 = s.GetSystemCallArgument(4);
        var value3 = (uint)s.GetSystemCallArgument(5);
        long result;
        try
        {
            switch (op)
            {
                case Wait:
                case WaitBitset:
                    var bitset = op == Wait ? uint.MaxValue : value3;
                    if ((address & 3) != 0 || bitset == 0)
                    {
                        result = -EINVAL;
                        break;
                    }
                    if (memory.Read32(address) != value)
                    {
                        result = -EAGAIN;
                        break;
                    }
                    thread.Status = ThreadStatus.Blocked;
                    thread.FutexAddress = address;
                    thread.FutexBitset = bitset;
                    thread.FutexDeadline = timeout != 0 ? ++_virtualTime : null;
                    return SystemCallOutcome.Blocked;
                case FutexWake:
                    result = Wake(address, (int)Math.Min(value, int.MaxValue), uint.MaxValue);
                    break;
                case WakeBitset:
                    result = value3 == 0 ? -EINVAL : Wake(address, (int)Math.Min(value, int.MaxValue), value3);
                    break;
                case Requeue:
                case CmpRequeue:
                    if (op == CmpRequeue && memory.Read32(address) != value3)
                    {
                        result = -EAGAIN;
                        break;
                    }
                    result = Wake(address, (int)Math.Min(value, int.MaxValue), uint.MaxValue);
                    var moved = 0L;
                    foreach (var waiter in _threads.Where(t => t.Status == ThreadStatus.Blocked && t.FutexAddress == address))
                    {
                        if (moved++ >= (long)Math.Min(timeout, int.MaxValue))
                        {
                            break;
                        }
                        waiter.FutexAddress = address2;
                    }
                    break;
                default:
                    result = -ENOSYS;
                    break;
            }
        }
        catch (GuestFaultException)
        {
            result = -EFAULT;
        }
        s.SetSystemCallResult(result);
        return SystemCallOutcome.Continue;
    }

    /// <summary>Wakes up to <paramref name="count"/> threads waiting on <paramref name="address"/>, oldest first.</summary>
    private int Wake(ulong address, int count, uint bitset)
    {
        var woken = 0;
        foreach (var waiter in _threads)
        {
            if (woken >= count)
            {
                break;
            }
            if (waiter.Status == ThreadStatus.Blocked && waiter.FutexAddress == address && (waiter.FutexBitset & bitset) != 0)
            {
                waiter.Status = ThreadStatus.Runnable;
                waiter.State.SetSystemCallResult(0);
                woken++;
            }
        }
        return woken;
    }

    /// <summary>
    /// When every live thread waits: wakes the timed waiter that started waiting first with <c>-ETIMEDOUT</c>;
    /// false when none has a timeout (a deadlock).
    /// </summary>
    internal bool ExpireEarliestTimeout()
    {
        var earliest = _threads.Where(t => t.Status == ThreadStatus.Blocked && t.FutexDeadline is not null)
            .OrderBy(t => t.FutexDeadline).FirstOrDefault();
        if (earliest is null)
        {
            return false;
        }
        earliest.Status = ThreadStatus.Runnable;
        earliest.FutexDeadline = null;
        earliest.State.SetSystemCallResult(-ETIMEDOUT);
        return true;
    }
}
