namespace Systems.Cli;

/// <summary>
/// Bad input from the user: a malformed file, a value out of range, a missing file. The command host prints the
/// message on stderr as one sentence and exits with <see cref="ExitCode.Usage"/>.
/// </summary>
public sealed class UsageException : Exception
{
    /// <summary>Creates the exception with a message that names the bad input.</summary>
    public UsageException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message that names the bad input and the error behind it.</summary>
    public UsageException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>Creates an exception with no message; prefer the constructors that name the input.</summary>
    public UsageException() : base("invalid input")
    {
    }
}
