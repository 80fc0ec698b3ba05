namespace Derecho.Persistence;

/// <summary>
/// A log file holds a damaged record before its end, or damaged metadata: the member must not start on it, since
/// it would serve wrong data.
/// </summary>
public sealed class LogCorruptException : IOException
{
    /// <summary>Creates the exception for the damage at <paramref name="offset"/> of <paramref name="filePath"/>.</summary>
    public LogCorruptException(string filePath, long offset, string reason)
        : base($"{filePath}: corrupt log record at offset {offset}: {reason}")
    {
        FilePath = filePath;
        Offset = offset;
    }

    /// <summary>The damaged file.</summary>
    public string FilePath { get; }

    /// <summary>Where in the file the damage starts.</summary>
    public long Offset { get; }
}

/// <summary>An append would exceed <c>PERS/max_log_entry</c> or <c>PERS/max_data_size</c>: trim the log first.</summary>
public sealed class LogFullException(string message) : InvalidOperationException(message);
