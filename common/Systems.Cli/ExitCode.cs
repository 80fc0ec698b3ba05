namespace Systems.Cli;

/// <summary>The exit codes every command of the three systems uses (see CONTRIBUTING.md).</summary>
public static class ExitCode
{
    /// <summary>The operation succeeded: proved, delivered, found.</summary>
    public const int Success = 0;

    /// <summary>The operation's negative answer: a counterexample, a lost member, a mismatch, a key not found.</summary>
    public const int Negative = 1;

    /// <summary>Usage or input error: a bad option, a malformed file, a missing argument.</summary>
    public const int Usage = 2;

    /// <summary>No answer: a solver's unknown, a timeout.</summary>
    public const int NoAnswer = 3;

    /// <summary>Interrupted by the user (SIGINT), as a shell reports it.</summary>
    public const int Interrupted = 130;
}
