namespace Derecho.Persistence;

/// <summary>
/// The few file-system operations a <see cref="PersistentLog"/> uses, and the only ones durability depends on:
/// small enough that a simulated disk, which forgets every unsynced write when its owner crashes, can stand in for
/// <see cref="DiskFileSystem"/> in tests.
/// </summary>
public interface ILogFileSystem
{
    /// <summary>Whether the directory exists.</summary>
    bool DirectoryExists(string path);

    /// <summary>Creates the directory and its missing parents. Durable only after <see cref="SyncDirectory"/> of its parent.</summary>
    void CreateDirectory(string path);

    /// <summary>The names (not paths) of the files directly in <paramref name="directory"/>.</summary>
    IReadOnlyList<string> ListFiles(string directory);

    /// <summary>
    /// Opens a file for reading and writing, creating it empty when <paramref name="create"/> is set and it does not
    /// exist. A created file's name is durable only after <see cref="SyncDirectory"/>.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist and <paramref name="create"/> is not set.</exception>
    ILogFile OpenFile(string path, bool create);

    /// <summary>Deletes the file if it exists. Durable only after <see cref="SyncDirectory"/>.</summary>
    void DeleteFile(string path);

    /// <summary>Renames a file, replacing any file at <paramref name="destination"/>. Durable only after <see cref="SyncDirectory"/>.</summary>
    void RenameFile(string source, string destination);

    /// <summary>Makes the directory's entries (created, deleted and renamed names) durable: <c>fsync</c> of the directory.</summary>
    void SyncDirectory(string path);

    /// <summary>Deletes the directory and everything in it, if it exists (for <c>PERS/reset</c>).</summary>
    void DeleteDirectory(string path);
}

/// <summary>An open file of an <see cref="ILogFileSystem"/>, read and written at explicit offsets.</summary>
public interface ILogFile : IDisposable
{
    /// <summary>The file's length in bytes.</summary>
    long Length { get; }

    /// <summary>Reads up to <paramref name="destination"/>'s length from <paramref name="offset"/>; returns the bytes read (fewer only at the end).</summary>
    int Read(long offset, Span<byte> destination);

    /// <summary>Writes <paramref name="data"/> at <paramref name="offset"/>. Durable only after <see cref="Sync"/>.</summary>
    void Write(long offset, ReadOnlySpan<byte> data);

    /// <summary>Writes <paramref name="pieces"/> back to back from <paramref name="offset"/> (a gathered write). Durable only after <see cref="Sync"/>.</summary>
    void Append(long offset, IReadOnlyList<ReadOnlyMemory<byte>> pieces)
    {
        foreach (var piece in pieces)
        {
            Write(offset, piece.Span);
            offset += piece.Length;
        }
    }

    /// <summary>Cuts or extends the file to <paramref name="length"/>. Durable only after <see cref="Sync"/>.</summary>
    void SetLength(long length);

    /// <summary>Makes every write and length change so far durable: <c>fdatasync</c>.</summary>
    void Sync();

    /// <summary>
    /// A hint that <paramref name="length"/> bytes from <paramref name="offset"/> (0: to the end), synced, will not be
    /// read soon: the operating system may drop them from its cache (<c>posix_fadvise(DONTNEED)</c>). Changes no contents.
    /// </summary>
    void Uncache(long offset, long length)
    {
    }

    /// <summary>
    /// Extends the file with zeros to at least <paramref name="length"/> bytes with its blocks reserved
    /// (<c>fallocate</c>), so that later writes inside it change no file size. Durable only after <see cref="Sync"/>.
    /// </summary>
    void Preallocate(long length)
    {
        if (Length < length)
        {
            SetLength(length);
        }
    }
}

/// <summary>Operations built from the <see cref="ILogFileSystem"/> primitives.</summary>
public static class LogFileSystemExtensions
{
    /// <summary>
    /// Replaces the file at <paramref name="path"/> with <paramref name="contents"/> so that a crash leaves either the
    /// old or the new contents: written beside as <c>PATH.tmp</c>, synced, renamed over the old file, directory synced.
    /// </summary>
    public static void ReplaceFileDurably(this ILogFileSystem fileSystem, string path, ReadOnlySpan<byte> contents)
    {
        ArgumentNullException.ThrowIfNull(fileSystem);
        var temporary = path + ".tmp";
        using (var file = fileSystem.OpenFile(temporary, create: true))
        {
            file.SetLength(0);
            file.Write(0, contents);
            file.Sync();
        }
        fileSystem.RenameFile(temporary, path);
        fileSystem.SyncDirectory(Path.GetDirectoryName(path)!);
    }
}
