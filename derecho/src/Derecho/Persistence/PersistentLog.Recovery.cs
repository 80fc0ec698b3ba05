using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;

namespace Derecho.Persistence;

/// <summary>Opening a log: reading its trim point and segments, repairing a torn tail, refusing damage.</summary>
public sealed partial class PersistentLog
{
    private const string TrimFile = "trim";
    private const int TrimRecordSize = 28;
    private const uint TrimMagic = 0x4D545044; // "DPTM"

    private PersistentLog(ILogFileSystem fileSystem, string directory, PersistenceOptions options)
    {
        _fileSystem = fileSystem;
        _options = options;
        Directory = directory;
    }

    /// <summary>
    /// Opens the log of the persistent field <paramref name="fieldName"/> under <c>PERS/file_path</c>, first
    /// deleting it when <c>PERS/reset</c> is set.
    /// </summary>
    /// <exception cref="LogCorruptException">A record before the end of the log, or the trim point, is damaged.</exception>
    public static PersistentLog OpenField(PersistenceOptions options, string fieldName, ILogFileSystem? fileSystem = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(fieldName);
        if (fieldName.AsSpan().IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || fieldName is "." or "..")
        {
            throw new ArgumentException($"'{fieldName}' cannot name a log directory", nameof(fieldName));
        }
        fileSystem ??= DiskFileSystem.Instance;
        var directory = Path.Combine(options.FilePath, fieldName);
        if (options.Reset)
        {
            fileSystem.DeleteDirectory(directory);
        }
        return Open(fileSystem, directory, options);
    }

    /// <summary>Opens (creating if needed) the log in <paramref name="directory"/>.</summary>
    /// <exception cref="LogCorruptException">A record before the end of the log, or the trim point, is damaged.</exception>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public static PersistentLog Open(ILogFileSystem fileSystem, string directory, PersistenceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(fileSystem);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        options ??= new PersistenceOptions();
        options.Validate();
        var log = new PersistentLog(fileSystem, directory, options);
        try
        {
            log.Recover();
        }
        catch
        {
            log.Dispose();
            throw;
        }
        return log;
    }

    private void Recover()
    {
        if (!_fileSystem.DirectoryExists(Directory))
        {
            _fileSystem.CreateDirectory(Directory);
            _fileSystem.SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(Directory))!);
        }
        var names = _fileSystem.ListFiles(Directory);
        if (names.Contains(TrimFile))
        {
            ReadTrimPoint();
        }
        _lastTime = _trimmedTime;
        var segments = names
            .Where(n => n.EndsWith(SegmentExtension, StringComparison.Ordinal) && n.Length == 10 + SegmentExtension.Length)
            .Select(n => long.TryParse(n.AsSpan(0, 10), NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number : -1)
            .Where(n => n > 0)
            .Order()
            .ToList();
        var obsolete = new List<long>();
        for (var i = 0; i < segments.Count; i++)
        {
            var segment = segments[i];
            if (i > 0 && segment != segments[i - 1] + 1 && !obsolete.Contains(segments[i - 1]))
            {
                throw new LogCorruptException(SegmentPath(segment), 0, $"segment {segments[i - 1] + 1} before it is missing");
            }
            var file = _fileSystem.OpenFile(SegmentPath(segment), create: false);
            _segments[segment] = file;
            var (length, retained) = ScanSegment(segment, file, isLast: i == segments.Count - 1);
            if (retained == 0 && i < segments.Count - 1)
            {
                obsolete.Add(segment);
            }
            _tailSegment = segment;
            _tailLength = length;
        }
        if (obsolete.Count > 0)
        {
            DeleteSegments(obsolete);
        }
        _latestVersion = _index.Count > 0 ? _index[^1].Version : _trimmedThrough;
        _persistedVersion = _latestVersion;
    }

    /// <summary>Indexes one segment's records; returns its valid length and how many versions it adds.</summary>
    private (long Length, int Retained) ScanSegment(long segment, ILogFile file, bool isLast)
    {
        var length = file.Length;
        if (length > int.MaxValue)
        {
            throw new LogCorruptException(SegmentPath(segment), int.MaxValue, $"segment is {length} bytes, larger than any segment this log writes");
        }
        var buffer = ArrayPool<byte>.Shared.Rent((int)length);
        try
        {
            var bytes = buffer.AsSpan(0, file.Read(0, buffer.AsSpan(0, (int)length)));
            var offset = 0;
            var retained = 0;
            var previous = _index.Count > 0 ? _index[^1].Version : Versions.None;
            while (offset < bytes.Length)
            {
                var problem = LogRecordFormat.TryRead(bytes[offset..], out var version, out var time, out var dataLength);
                if (problem is null && version <= previous)
                {
                    throw new LogCorruptException(SegmentPath(segment), offset, $"version {version} follows version {previous}");
                }
                if (problem is not null)
                {
                    if (bytes[offset..].IndexOfAnyExcept((byte)0) < 0)
                    {
                        // The preallocated rest of the segment: nothing was ever written there.
                        return (offset, retained);
                    }
                    if (!isLast || LogRecordFormat.AnyValidRecord(bytes[(offset + 1)..]))
                    {
                        throw new LogCorruptException(SegmentPath(segment), offset, problem + ", and valid records follow it");
                    }
                    file.SetLength(offset);
                    if (_options.PreallocateSegments)
                    {
                        file.Preallocate(_options.SegmentSize);
                    }
                    file.Sync();
                    // What was written of the torn record: up to the last nonzero byte (the rest of a preallocated segment is zeros).
                    var written = bytes[offset..].LastIndexOfAnyExcept((byte)0) + 1;
                    Recovery = $"cut a torn record ({problem}) of {written} bytes at offset {offset} of {SegmentPath(segment)}";
                    return (offset, retained);
                }
                previous = version;
                if (version > _trimmedThrough)
                {
                    _index.Add(new IndexEntry(version, time, segment, offset, dataLength));
                    _dataBytes += dataLength;
                    _lastTime = HlcTimestamp.Max(_lastTime, time);
                    retained++;
                }
                offset += LogRecordFormat.RecordSize(dataLength);
            }
            return (offset, retained);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void ReadTrimPoint()
    {
        var path = Path.Combine(Directory, TrimFile);
        Span<byte> record = stackalloc byte[TrimRecordSize];
        using (var file = _fileSystem.OpenFile(path, create: false))
        {
            if (file.Length != TrimRecordSize || file.Read(0, record) != TrimRecordSize
                || BinaryPrimitives.ReadUInt32LittleEndian(record) != TrimMagic
                || BinaryPrimitives.ReadUInt32LittleEndian(record[24..]) != Crc32.HashToUInt32(record[..24]))
            {
                throw new LogCorruptException(path, 0, "the trim point is damaged");
            }
        }
        _trimmedThrough = BinaryPrimitives.ReadInt64LittleEndian(record[4..]);
        _trimmedTime = HlcTimestamp.Read(record[12..]);
    }

    /// <summary>Makes the trim point durable: written beside, synced, renamed over the old one, directory synced.</summary>
    private void WriteTrimPoint(long version, HlcTimestamp time)
    {
        Span<byte> record = stackalloc byte[TrimRecordSize];
        BinaryPrimitives.WriteUInt32LittleEndian(record, TrimMagic);
        BinaryPrimitives.WriteInt64LittleEndian(record[4..], version);
        time.Write(record[12..]);
        BinaryPrimitives.WriteUInt32LittleEndian(record[24..], Crc32.HashToUInt32(record[..24]));
        _fileSystem.ReplaceFileDurably(Path.Combine(Directory, TrimFile), record);
    }

    private void DeleteSegments(IEnumerable<long> segments)
    {
        foreach (var segment in segments)
        {
            if (_segments.Remove(segment, out var file))
            {
                file.Dispose();
            }
            _fileSystem.DeleteFile(SegmentPath(segment));
        }
        _fileSystem.SyncDirectory(Directory);
    }
}
