namespace Popcorn.Toolchain;

/// <summary>
/// A build that cannot produce a multi-ISA binary: a compile error (the message carries the compiler's own
/// diagnostics), a missing input, a construct that would lay out differently on the two ISAs, or a misaligned symbol.
/// </summary>
public sealed class CompileException : Exception
{
    /// <summary>Creates the exception with a message naming the bad input.</summary>
    public CompileException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error behind it.</summary>
    public CompileException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message; prefer the constructors that name the input.</summary>
    public CompileException() : base("the build failed")
    {
    }
}
