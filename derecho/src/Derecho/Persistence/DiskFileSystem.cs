using System.ComponentModel;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Derecho.Persistence;

/// <summary>
/// The real file system. On Linux, <see cref="ILogFile.Sync"/> is <c>fdatasync</c> and <see cref="SyncDirectory"/>
/// is <c>fsync</c> of the directory; elsewhere files are flushed with <see cref="RandomAccess.FlushToDisk"/> and
/// directories are not synced (the platform offers no portable way). <see cref="ILogFile.Preallocate"/> is
/// <c>fallocate</c> on Linux (blocks reserved, so a sync after an append flushes no size change), a plain length
/// change elsewhere or where the file system cannot reserve blocks. <see cref="ILogFile.Append"/> is one gathered
/// write (<c>pwritev</c>); <see cref="ILogFile.Uncache"/> is <c>posix_fadvise(DONTNEED)</c> on Linux, nothing elsewhere.
/// </summary>
public sealed class DiskFileSystem : ILogFileSystem
{
    /// <summary>The one instance.</summary>
    public static DiskFileSystem Instance { get; } = new();

    private DiskFileSystem()
    {
    }

    /// <inheritdoc />
    public bool DirectoryExists(string path) => Directory.Exists(path);

    /// <inheritdoc />
    public void CreateDirectory(string path) => Directory.CreateDirectory(path);

    /// <inheritdoc />
    public IReadOnlyList<string> ListFiles(string directory) =>
        [.. Directory.EnumerateFiles(directory).Select(Path.GetFileName).OfType<string>()];

    /// <inheritdoc />
    public ILogFile OpenFile(string path, bool create) =>
        new DiskFile(File.OpenHandle(path, create ? FileMode.OpenOrCreate : FileMode.Open, FileAccess.ReadWrite, FileShare.Read));

    /// <inheritdoc />
    public void DeleteFile(string path) => File.Delete(path);

    /// <inheritdoc />
    public void RenameFile(string source, string destination) => File.Move(source, destination, overwrite: true);

    /// <inheritdoc />
    public void DeleteDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }

    /// <inheritdoc />
    public void SyncDirectory(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        const int ReadOnlyDirectory = 0x10000; // O_RDONLY | O_DIRECTORY
        var fd = Native.Open(Path.GetFullPath(path), ReadOnlyDirectory);
        if (fd < 0)
        {
            throw new IOException($"cannot open directory {path} to sync it: {new Win32Exception(Marshal.GetLastPInvokeError()).Message}");
        }
        try
        {
            if (Native.Fsync(fd) != 0)
            {
                throw new IOException($"fsync of directory {path} failed: {new Win32Exception(Marshal.GetLastPInvokeError()).Message}");
            }
        }
        finally
        {
            _ = Native.Close(fd);
        }
    }

    private sealed class DiskFile(SafeFileHandle handle) : ILogFile
    {
        public long Length => RandomAccess.GetLength(handle);

        public int Read(long offset, Span<byte> destination)
        {
            var total = 0;
            while (total < destination.Length)
            {
                var read = RandomAccess.Read(handle, destination[total..], offset + total);
                if (read == 0)
                {
                    break;
                }
                total += read;
            }
            return total;
        }

        public void Write(long offset, ReadOnlySpan<byte> data) => RandomAccess.Write(handle, data, offset);

        public void Append(long offset, IReadOnlyList<ReadOnlyMemory<byte>> pieces) => RandomAccess.Write(handle, pieces, offset);

        public void SetLength(long length) => RandomAccess.SetLength(handle, length);

        public void Sync()
        {
            if (!OperatingSystem.IsLinux())
            {
                RandomAccess.FlushToDisk(handle);
                return;
            }
            var added = false;
            handle.DangerousAddRef(ref added);
            try
            {
                if (Native.Fdatasync((int)handle.DangerousGetHandle()) != 0)
                {
                    throw new IOException($"fdatasync failed: {new Win32Exception(Marshal.GetLastPInvokeError()).Message}");
                }
            }
            finally
            {
                if (added)
                {
                    handle.DangerousRelease();
                }
            }
        }

        public void Uncache(long offset, long length)
        {
            if (!OperatingSystem.IsLinux())
            {
                return;
            }
            var added = false;
            handle.DangerousAddRef(ref added);
            try
            {
                // A hint: its failure changes nothing that matters.
                _ = Native.Fadvise((int)handle.DangerousGetHandle(), offset, length, DontNeed);
            }
            finally
            {
                if (added)
                {
                    handle.DangerousRelease();
                }
            }
        }

        public void Preallocate(long length)
        {
            if (Length >= length)
            {
                return;
            }
            if (OperatingSystem.IsLinux())
            {
                var added = false;
                handle.DangerousAddRef(ref added);
                try
                {
                    if (Native.Fallocate((int)handle.DangerousGetHandle(), 0, 0, length) == 0)
                    {
                        return;
                    }
                    var error = Marshal.GetLastPInvokeError();
                    if (error != NotSupported)
                    {
                        throw new IOException($"fallocate of {length} bytes failed: {new Win32Exception(error).Message}");
                    }
                }
                finally
                {
                    if (added)
                    {
                        handle.DangerousRelease();
                    }
                }
            }
            SetLength(length);
        }

        public void Dispose() => handle.Dispose();
    }

    /// <summary>EOPNOTSUPP: the file system cannot reserve blocks.</summary>
    private const int NotSupported = 95;

    /// <summary>POSIX_FADV_DONTNEED.</summary>
    private const int DontNeed = 4;

    private static class Native
    {
        [DllImport("libc", EntryPoint = "open", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

        [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int Fsync(int fd);

        [DllImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int Fdatasync(int fd);

        [DllImport("libc", EntryPoint = "fallocate", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int Fallocate(int fd, int mode, long offset, long length);

        [DllImport("libc", EntryPoint = "posix_fadvise")]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int Fadvise(int fd, long offset, long length, int advice);

        [DllImport("libc", EntryPoint = "close", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int Close(int fd);
    }
}
