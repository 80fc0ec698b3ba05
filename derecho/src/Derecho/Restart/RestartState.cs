using System.Buffers.Binary;
using System.IO.Hashing;
using Derecho.Membership;
using Derecho.Persistence;

namespace Derecho.Restart;

/// <summary>
/// What a member logs at every view change for a later restart, in <c>PERS/file_path/restart</c>: the id and
/// members of the view it installed, and the ragged trim of the view before it (the newest version it delivered
/// there, which every survivor delivered too). A restarted group starts above <see cref="LastViewId"/> so that
/// versions <c>(view id &lt;&lt; 32) | order index</c> keep growing. Each record is written beside the old one, synced,
/// and renamed over it, so a crash leaves one or the other.
/// </summary>
public sealed class RestartState
{
    private const string FileName = "restart";
    private const uint Magic = 0x54525044; // "DPRT"

    private readonly ILogFileSystem _fileSystem;
    private readonly string _directory;

    private RestartState(ILogFileSystem fileSystem, string directory)
    {
        _fileSystem = fileSystem;
        _directory = directory;
    }

    /// <summary>The id of the last view logged, or -1.</summary>
    public int LastViewId { get; private set; } = -1;

    /// <summary>The node ids of the last view logged.</summary>
    public IReadOnlyList<uint> LastMemberIds { get; private set; } = [];

    /// <summary>The ragged trim logged with the last view: the newest version delivered in the view before it, or <see cref="Versions.None"/>.</summary>
    public long LastTrim { get; private set; } = Versions.None;

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

    /// <summary>Logs <paramref name="view"/> with the ragged trim of the view before it, durably.</summary>
    public void Record(View view, long trim)
    {
        ArgumentNullException.ThrowIfNull(view);
        if (view.Id <= LastViewId)
        {
            return;
        }
        var members = string.Join('\n', view.Members.Select(m => m.NodeId.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var text = System.Text.Encoding.UTF8.GetBytes(members);
        var record = new byte[24 + text.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(record, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(4), view.Id);
        BinaryPrimitives.WriteInt64LittleEndian(record.AsSpan(8), trim);
        BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(16), text.Length);
        text.CopyTo(record, 24);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(20), Crc32.HashToUInt32(record.AsSpan(24)) ^ Crc32.HashToUInt32(record.AsSpan(0, 20)));
        if (!_fileSystem.DirectoryExists(_directory))
        {
            _fileSystem.CreateDirectory(_directory);
            _fileSystem.SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(_directory))!);
        }
        _fileSystem.ReplaceFileDurably(Path.Combine(_directory, FileName), record);
        LastViewId = view.Id;
        LastTrim = trim;
        LastMemberIds = [.. view.Members.Select(m => m.NodeId)];
    }

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
        if (record.Length < 24 || BinaryPrimitives.ReadUInt32LittleEndian(record) != Magic
            || BinaryPrimitives.ReadInt32LittleEndian(record.AsSpan(16)) != record.Length - 24
            || BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(20)) != (Crc32.HashToUInt32(record.AsSpan(24)) ^ Crc32.HashToUInt32(record.AsSpan(0, 20))))
        {
            throw new LogCorruptException(path, 0, "the restart record is damaged");
        }
        LastViewId = BinaryPrimitives.ReadInt32LittleEndian(record.AsSpan(4));
        LastTrim = BinaryPrimitives.ReadInt64LittleEndian(record.AsSpan(8));
        LastMemberIds = [.. System.Text.Encoding.UTF8.GetString(record.AsSpan(24)).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(id => uint.Parse(id, System.Globalization.CultureInfo.InvariantCulture))];
    }
}
