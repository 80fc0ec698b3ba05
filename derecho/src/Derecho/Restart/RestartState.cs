using System.Buffers.Binary;
using System.IO.Hashing;
using Derecho.Membership;
using Derecho.Persistence;

namespace Derecho.Restart;

/// <summary>
/// What a member logs at every view change for a later restart, in <c>PERS/file_path/restart</c>: the id and
/// members of the view it installed, and the ragged trims of each persistent shard it knew (<see cref="ShardTrim"/>:
/// the newest version the shard delivered before a view, which every survivor delivered too): the latest
/// <see cref="TrimsPerShard"/> that differ, carried from record to record. The record is logged before anything is
/// delivered in the new view. A total restart takes the trims as <see cref="RestartRule"/> says. A restarted group starts above <see cref="LastViewId"/> so that
/// versions <c>(view id &lt;&lt; 32) | order index</c> keep growing. Each record is written beside the old one,
/// synced, and renamed over it, so a crash leaves one or the other.
/// </summary>
public sealed class RestartState
{
    private const string FileName = "restart";
    private const uint OldMagic = 0x54525044; // "DPRT": one trim for all shards, read as none
    private const uint Magic = 0x32525044; // "DPR2"
    private const int HeaderSize = 20;
    private const int TrimSize = 20;

    private readonly ILogFileSystem _fileSystem;
    private readonly string _directory;
    private readonly Lock _gate = new();
    private bool _directoryDurable;

    private RestartState(ILogFileSystem fileSystem, string directory)
    {
        _fileSystem = fileSystem;
        _directory = directory;
    }

    /// <summary>The id of the last view logged, or -1.</summary>
    public int LastViewId { get; private set; } = -1;

    /// <summary>The node ids of the last view logged.</summary>
    public IReadOnlyList<uint> LastMemberIds { get; private set; } = [];

    /// <summary>How many trims of one shard a record keeps: the newest, each with a different last version.</summary>
    public const int TrimsPerShard = 32;

    /// <summary>The ragged trims logged with the last view, newest first within each shard.</summary>
    public IReadOnlyList<ShardTrim> LastTrims { get; private set; } = [];

    /// <summary>The trims logged for a shard, newest first.</summary>
    public IReadOnlyList<ShardTrim> TrimsOf(int type, int subgroup, int shard) =>
        [.. LastTrims.Where(t => t.Type == type && t.Subgroup == subgroup && t.Shard == shard)];

    /// <summary>The restart state under <c>PERS/file_path</c> (none yet: <see cref="LastViewId"/> is -1).</summary>
    /// <exception cref="LogCorruptException">The record is damaged.</exception>
    public static RestartState Load(PersistenceOptions options, ILogFileSystem? fileSystem = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        fileSystem ??= DiskFileSystem.Instance;
        var state = new RestartState(fileSystem, options.FilePath);
        if (options.Reset && fileSystem.DirectoryExists(options.FilePath))
        {
            fileSystem.DeleteFile(Path.Combine(options.FilePath, FileName));
        }
        state.Read();
        return state;
    }

    /// <summary>
    /// How far above the last view it knows a restarted group starts: the other members may have gone on through
    /// views this one missed, and the versions of the restarted group must stay above every version their logs hold.
    /// </summary>
    public const int RestartViewMargin = 4096;

    /// <summary>
    /// The first view id for a group restarted from these logs: <see cref="RestartViewMargin"/> above the last view
    /// logged and every view whose versions <paramref name="logs"/> hold (0 when there is nothing to restart from).
    /// </summary>
    public int FirstViewIdAfter(IEnumerable<PersistentLog> logs)
    {
        ArgumentNullException.ThrowIfNull(logs);
        var highest = Math.Max(LastViewId, logs.Select(l => l.LatestVersion).Where(v => v >= 0).Select(Versions.ViewOf).DefaultIfEmpty(-1).Max());
        return highest < 0 ? 0 : highest + RestartViewMargin;
    }

    /// <summary>
    /// Logs <paramref name="view"/> durably with <paramref name="fresh"/>, the trims this member knows as of the view
    /// (see <see cref="ShardTrim"/>), and the trims logged before: per shard the newest <see cref="TrimsPerShard"/>,
    /// of which a trim with the same last version as a newer one is dropped (the newer one says more).
    /// </summary>
    public void Record(View view, IReadOnlyList<ShardTrim> fresh)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(fresh);
        lock (_gate)
        {
            if (view.Id > LastViewId)
            {
                Write(view.Id, [.. view.Members.Select(m => m.NodeId)], fresh);
            }
        }
    }

    /// <summary>
    /// Logs <paramref name="fresh"/> durably with the last view logged (carried as <see cref="Record"/> carries them):
    /// a total restart logs the trim its shards restarted at (<see cref="RestartRule"/>), so that a version a member
    /// left out of the restart still holds beyond it cannot come back at a later restart.
    /// </summary>
    /// <exception cref="InvalidOperationException">No view was logged yet.</exception>
    public void AddTrims(IReadOnlyList<ShardTrim> fresh)
    {
        ArgumentNullException.ThrowIfNull(fresh);
        lock (_gate)
        {
            if (LastViewId < 0)
            {
                throw new InvalidOperationException("trims are logged with a view, and none was logged yet");
            }
            Write(LastViewId, LastMemberIds, fresh);
        }
    }

    private void Write(int viewId, IReadOnlyList<uint> members, IReadOnlyList<ShardTrim> fresh)
    {
        var trims = fresh.Concat(LastTrims)
            .GroupBy(t => (t.Type, t.Subgroup, t.Shard))
            .SelectMany(shard => shard.OrderByDescending(t => t.ViewId).DistinctBy(t => t.Last).Take(TrimsPerShard))
            .ToList();
        var record = new byte[HeaderSize + (4 * members.Count) + (TrimSize * trims.Count)];
        BinaryPrimitives.WriteUInt32LittleEndian(record, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(4), viewId);
        BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(8), members.Count);
        BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(12), trims.Count);
        var body = record.AsSpan(HeaderSize);
        foreach (var member in members)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(body, member);
            body = body[4..];
        }
        foreach (var trim in trims)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(body, checked((ushort)trim.Type));
            BinaryPrimitives.WriteUInt16LittleEndian(body[2..], checked((ushort)trim.Subgroup));
            BinaryPrimitives.WriteUInt16LittleEndian(body[4..], checked((ushort)trim.Shard));
            BinaryPrimitives.WriteInt32LittleEndian(body[8..], trim.ViewId);
            BinaryPrimitives.WriteInt64LittleEndian(body[12..], trim.Last);
            body = body[TrimSize..];
        }
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(16), Checksum(record));
        if (!_directoryDurable)
        {
            // Synced into its parent once, even when it exists: a log opened first may have created it unsynced.
            if (!_fileSystem.DirectoryExists(_directory))
            {
                _fileSystem.CreateDirectory(_directory);
            }
            _fileSystem.SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(_directory))!);
            _directoryDurable = true;
        }
        _fileSystem.ReplaceFileDurably(Path.Combine(_directory, FileName), record);
        LastViewId = viewId;
        LastTrims = trims;
        LastMemberIds = members;
    }

    private static uint Checksum(ReadOnlySpan<byte> record) =>
        Crc32.HashToUInt32(record[HeaderSize..]) ^ Crc32.HashToUInt32(record[..16]);

    private void Read()
    {
        var path = Path.Combine(_directory, FileName);
        if (!_fileSystem.DirectoryExists(_directory) || !_fileSystem.ListFiles(_directory).Contains(FileName))
        {
            return;
        }
        byte[] record;
        using (var file = _fileSystem.OpenFile(path, create: false))
        {
            record = new byte[file.Length];
            file.Read(0, record);
        }
        if (record.Length >= 24 && BinaryPrimitives.ReadUInt32LittleEndian(record) == OldMagic)
        {
            ReadOld(path, record);
            return;
        }
        var members = record.Length >= HeaderSize ? BinaryPrimitives.ReadInt32LittleEndian(record.AsSpan(8)) : -1;
        var trims = record.Length >= HeaderSize ? BinaryPrimitives.ReadInt32LittleEndian(record.AsSpan(12)) : -1;
        if (record.Length < HeaderSize || BinaryPrimitives.ReadUInt32LittleEndian(record) != Magic || members < 0 || trims < 0
            || record.Length != HeaderSize + (4L * members) + ((long)TrimSize * trims)
            || BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(16)) != Checksum(record))
        {
            throw new LogCorruptException(path, 0, "the restart record is damaged");
        }
        LastViewId = BinaryPrimitives.ReadInt32LittleEndian(record.AsSpan(4));
        var body = record.AsSpan(HeaderSize);
        var ids = new uint[members];
        for (var i = 0; i < members; i++, body = body[4..])
        {
            ids[i] = BinaryPrimitives.ReadUInt32LittleEndian(body);
        }
        var logged = new ShardTrim[trims];
        for (var i = 0; i < trims; i++, body = body[TrimSize..])
        {
            logged[i] = new ShardTrim(BinaryPrimitives.ReadUInt16LittleEndian(body), BinaryPrimitives.ReadUInt16LittleEndian(body[2..]),
                BinaryPrimitives.ReadUInt16LittleEndian(body[4..]), BinaryPrimitives.ReadInt32LittleEndian(body[8..]), BinaryPrimitives.ReadInt64LittleEndian(body[12..]));
        }
        LastMemberIds = ids;
        LastTrims = logged;
    }

    /// <summary>A record of an earlier version: its single trim (the newest version delivered in any shard) says nothing per shard and is dropped.</summary>
    private void ReadOld(string path, byte[] record)
    {
        if (BinaryPrimitives.ReadInt32LittleEndian(record.AsSpan(16)) != record.Length - 24
            || BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(20)) != (Crc32.HashToUInt32(record.AsSpan(24)) ^ Crc32.HashToUInt32(record.AsSpan(0, 20))))
        {
            throw new LogCorruptException(path, 0, "the restart record is damaged");
        }
        LastViewId = BinaryPrimitives.ReadInt32LittleEndian(record.AsSpan(4));
        LastMemberIds = [.. System.Text.Encoding.UTF8.GetString(record.AsSpan(24)).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(id => uint.Parse(id, System.Globalization.CultureInfo.InvariantCulture))];
    }
}
