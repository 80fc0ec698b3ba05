using Derecho.Persistence;

namespace Derecho.Tests.Persistence;

/// <summary>The simulated disk's owner crashed at a chosen step; nothing after it happened.</summary>
public sealed class SimulatedCrashException(string step) : IOException($"simulated crash before: {step}");

/// <summary>
/// An in-memory disk that forgets what was not synced when its owner crashes (unlike SIGKILL, which keeps the page
/// cache, this shows every missing fsync). Every mutating call is a step; <see cref="CrashAtStep"/> makes that step
/// throw <see cref="SimulatedCrashException"/> without taking effect, and every later call throw too, until
/// <see cref="Restart"/>. A restart keeps, per file, the synced contents plus an ordered prefix of the unsynced
/// writes and length changes, the last one possibly torn (a prefix of its bytes, or its length with zeros, as a
/// file system that extended a file before writing its blocks leaves), and, per directory, the synced entries plus
/// an ordered prefix of the unsynced creations, deletions and renames. Thread-safe (commit threads sync at once).
/// </summary>
public sealed class SimulatedDisk : ILogFileSystem
{
    private readonly Lock _sync = new();
    private readonly Dictionary<string, Inode> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Inode> _durableFiles = new(StringComparer.Ordinal);
    private readonly HashSet<string> _directories = new(StringComparer.Ordinal) { "/" };
    private readonly HashSet<string> _durableDirectories = new(StringComparer.Ordinal) { "/" };
    private readonly List<DirectoryChange> _pendingChanges = [];
    private int _epoch;
    private bool _crashed;

    /// <summary>The mutating calls made so far.</summary>
    public int Steps { get; private set; }

    /// <summary>The step (0-based) that crashes, or -1 for none.</summary>
    public int CrashAtStep { get; set; } = -1;

    /// <summary>The steps by description, for failure messages.</summary>
    public List<string> StepLog { get; } = [];

    /// <summary>The ranges logs let the operating system drop from its cache (<see cref="ILogFile.Uncache"/>): path, offset, length (0: to the end).</summary>
    public List<(string Path, long Offset, long Length)> Uncached { get; } = [];

    /// <summary>The file's current bytes (what a reader sees now).</summary>
    public byte[] Contents(string path)
    {
        lock (_sync)
        {
            return [.. _files[Normalize(path)].Current];
        }
    }

    /// <summary>Replaces a file's bytes, durably (to inject damage).</summary>
    public void Overwrite(string path, byte[] contents)
    {
        lock (_sync)
        {
            var inode = _files[Normalize(path)];
            inode.Current = [.. contents];
            inode.Durable = [.. contents];
            inode.Pending.Clear();
        }
    }

    /// <summary>Brings the disk back after a crash (or crashes it now), keeping what <see cref="SimulatedDisk"/> describes; <paramref name="random"/> picks the prefixes and tears (null keeps nothing unsynced).</summary>
    public void Restart(Random? random)
    {
        lock (_sync)
        {
            var changes = random is null ? 0 : random.Next(_pendingChanges.Count + 1);
            foreach (var change in _pendingChanges.Take(changes))
            {
                ApplyDurably(change);
            }
            _pendingChanges.Clear();
            _files.Clear();
            foreach (var (name, inode) in _durableFiles)
            {
                _files[name] = inode;
            }
            _directories.Clear();
            _directories.UnionWith(_durableDirectories);
            foreach (var inode in _files.Values.Distinct())
            {
                inode.Recover(random);
            }
            _epoch++;
            _crashed = false;
            CrashAtStep = -1;
        }
    }

    /// <inheritdoc />
    public bool DirectoryExists(string path)
    {
        lock (_sync)
        {
            ThrowIfCrashed();
            return _directories.Contains(Normalize(path));
        }
    }

    /// <inheritdoc />
    public void CreateDirectory(string path)
    {
        lock (_sync)
        {
            path = Normalize(path);
            if (_directories.Contains(path))
            {
                return;
            }
            CreateDirectory(Path.GetDirectoryName(path)!);
            Step($"mkdir {path}");
            _directories.Add(path);
            _pendingChanges.Add(new DirectoryChange(ChangeKind.MakeDirectory, path, null, null));
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<string> ListFiles(string directory)
    {
        lock (_sync)
        {
            ThrowIfCrashed();
            directory = Normalize(directory);
            return [.. _files.Keys.Where(k => Path.GetDirectoryName(k) == directory).Select(k => Path.GetFileName(k))];
        }
    }

    /// <inheritdoc />
    public ILogFile OpenFile(string path, bool create)
    {
        lock (_sync)
        {
            ThrowIfCrashed();
            path = Normalize(path);
            if (!_files.TryGetValue(path, out var inode))
            {
                if (!create || !_directories.Contains(Path.GetDirectoryName(path)!))
                {
                    throw new FileNotFoundException($"no file {path}", path);
                }
                Step($"create {path}");
                inode = new Inode();
                _files[path] = inode;
                _pendingChanges.Add(new DirectoryChange(ChangeKind.Create, path, null, inode));
            }
            return new SimulatedFile(this, inode, path, _epoch);
        }
    }

    /// <inheritdoc />
    public void DeleteFile(string path)
    {
        lock (_sync)
        {
            ThrowIfCrashed();
            path = Normalize(path);
            if (!_files.ContainsKey(path))
            {
                return;
            }
            Step($"delete {path}");
            _files.Remove(path);
            _pendingChanges.Add(new DirectoryChange(ChangeKind.Delete, path, null, null));
        }
    }

    /// <inheritdoc />
    public void RenameFile(string source, string destination)
    {
        lock (_sync)
        {
            source = Normalize(source);
            destination = Normalize(destination);
            Step($"rename {source} {destination}");
            var inode = _files[source];
            _files.Remove(source);
            _files[destination] = inode;
            _pendingChanges.Add(new DirectoryChange(ChangeKind.Rename, source, destination, inode));
        }
    }

    /// <inheritdoc />
    public void SyncDirectory(string path)
    {
        lock (_sync)
        {
            path = Normalize(path);
            Step($"fsync dir {path}");
            var synced = _pendingChanges.Where(c => Path.GetDirectoryName(c.Path) == path
                || (c.Destination is not null && Path.GetDirectoryName(c.Destination) == path)).ToList();
            foreach (var change in synced)
            {
                ApplyDurably(change);
                _pendingChanges.Remove(change);
            }
        }
    }

    /// <inheritdoc />
    public void DeleteDirectory(string path)
    {
        lock (_sync)
        {
            path = Normalize(path);
            foreach (var file in _files.Keys.Where(k => k.StartsWith(path + "/", StringComparison.Ordinal)).ToList())
            {
                DeleteFile(file);
                SyncDirectory(Path.GetDirectoryName(file)!);
            }
        }
    }

    private void ApplyDurably(DirectoryChange change)
    {
        switch (change.Kind)
        {
            case ChangeKind.MakeDirectory:
                _durableDirectories.Add(change.Path);
                break;
            case ChangeKind.Create:
                _durableFiles[change.Path] = change.Inode!;
                break;
            case ChangeKind.Delete:
                _durableFiles.Remove(change.Path);
                break;
            case ChangeKind.Rename:
                _durableFiles.Remove(change.Path);
                _durableFiles[change.Destination!] = change.Inode!;
                break;
        }
    }

    private void Step(string description)
    {
        ThrowIfCrashed();
        if (Steps == CrashAtStep)
        {
            _crashed = true;
            throw new SimulatedCrashException(description);
        }
        Steps++;
        StepLog.Add(description);
    }

    private void ThrowIfCrashed()
    {
        if (_crashed)
        {
            throw new SimulatedCrashException("a call after the crash");
        }
    }

    private static string Normalize(string path) => Path.GetFullPath(path).TrimEnd('/') is { Length: > 0 } p ? p : "/";

    private enum ChangeKind
    {
        MakeDirectory,
        Create,
        Delete,
        Rename,
    }

    private sealed record DirectoryChange(ChangeKind Kind, string Path, string? Destination, Inode? Inode);

    private sealed record PendingWrite(long Offset, byte[]? Data, long NewLength);

    private sealed class Inode
    {
        public byte[] Durable { get; set; } = [];

        public byte[] Current { get; set; } = [];

        public List<PendingWrite> Pending { get; } = [];

        public void Recover(Random? random)
        {
            var contents = Durable;
            var kept = random is null ? 0 : random.Next(Pending.Count + 1);
            for (var i = 0; i < kept; i++)
            {
                var change = Pending[i];
                if (i == kept - 1 && change.Data is { Length: > 0 } data && random!.Next(3) > 0)
                {
                    var torn = new byte[data.Length];
                    var prefix = random.Next(data.Length);
                    data.AsSpan(0, prefix).CopyTo(torn);
                    // One tear in two keeps the file's new length with zeros past the written prefix.
                    change = random.Next(2) == 0 ? new PendingWrite(change.Offset, torn, 0) : new PendingWrite(change.Offset, torn[..prefix], 0);
                }
                contents = Apply(contents, change);
            }
            Durable = contents;
            Current = [.. contents];
            Pending.Clear();
        }

        public static byte[] Apply(byte[] contents, PendingWrite change)
        {
            if (change.Data is null)
            {
                var resized = new byte[change.NewLength];
                contents.AsSpan(0, (int)Math.Min(contents.Length, change.NewLength)).CopyTo(resized);
                return resized;
            }
            var end = change.Offset + change.Data.Length;
            var result = end > contents.Length ? new byte[end] : [.. contents];
            contents.CopyTo(result, 0);
            change.Data.CopyTo(result, change.Offset);
            return result;
        }
    }

    private sealed class SimulatedFile(SimulatedDisk disk, Inode inode, string path, int epoch) : ILogFile
    {
        public long Length
        {
            get
            {
                lock (disk._sync)
                {
                    Check();
                    return inode.Current.Length;
                }
            }
        }

        public int Read(long offset, Span<byte> destination)
        {
            lock (disk._sync)
            {
                Check();
                var available = (int)Math.Max(0, Math.Min(destination.Length, inode.Current.Length - offset));
                inode.Current.AsSpan((int)offset, available).CopyTo(destination);
                return available;
            }
        }

        public void Write(long offset, ReadOnlySpan<byte> data)
        {
            lock (disk._sync)
            {
                Check();
                disk.Step($"write {path} @{offset} +{data.Length}");
                var change = new PendingWrite(offset, data.ToArray(), 0);
                inode.Current = Inode.Apply(inode.Current, change);
                inode.Pending.Add(change);
            }
        }

        public void SetLength(long length)
        {
            lock (disk._sync)
            {
                Check();
                disk.Step($"setlength {path} {length}");
                var change = new PendingWrite(0, null, length);
                inode.Current = Inode.Apply(inode.Current, change);
                inode.Pending.Add(change);
            }
        }

        public void Sync()
        {
            lock (disk._sync)
            {
                Check();
                disk.Step($"fdatasync {path}");
                inode.Durable = [.. inode.Current];
                inode.Pending.Clear();
            }
        }

        public void Uncache(long offset, long length)
        {
            lock (disk._sync)
            {
                Check();
                var end = length == 0 ? long.MaxValue : offset + length;
                if (inode.Pending.FirstOrDefault(w => w.Data is null || (w.Offset < end && w.Offset + w.Data.Length > offset)) is { } unsynced)
                {
                    throw new InvalidOperationException($"{path}: bytes {offset}..{end} are dropped from the cache before their write @{unsynced.Offset} is synced");
                }
                disk.Uncached.Add((path, offset, length));
            }
        }

        public void Dispose()
        {
        }

        private void Check()
        {
            disk.ThrowIfCrashed();
            if (epoch != disk._epoch)
            {
                throw new SimulatedCrashException($"a handle to {path} opened before the last restart");
            }
        }
    }
}
