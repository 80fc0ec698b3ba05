namespace Popcorn.Emulation;

/// <summary>The host streams a guest's standard input, output and error are forwarded to.</summary>
/// <param name="Input">Standard input (fd 0), or null for an empty input.</param>
/// <param name="Output">Standard output (fd 1).</param>
/// <param name="Error">Standard error (fd 2).</param>
public sealed record GuestIo(Stream? Input, Stream Output, Stream Error)
{
    /// <summary>Which of fds 0, 1 and 2 are terminals (they answer TCGETS, so the guest's stdio line-buffers them as
    /// glibc does; other output is fully buffered). None unless set.</summary>
    public (bool Input, bool Output, bool Error) Terminals { get; init; }

    /// <summary>The host process's own standard streams.</summary>
    public static GuestIo Console() =>
        new(System.Console.OpenStandardInput(), System.Console.OpenStandardOutput(), System.Console.OpenStandardError())
        {
            Terminals = (!System.Console.IsInputRedirected, !System.Console.IsOutputRedirected, !System.Console.IsErrorRedirected),
        };
}
