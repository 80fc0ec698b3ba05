namespace Derecho.Protocol;

/// <summary>
/// A message body could not be decoded: truncated, an unknown kind, a count or length out of range. The member's
/// state is unchanged when <see cref="Member.Receive(uint, ReadOnlyMemory{byte})"/> throws it; the caller drops the connection to that peer.
/// </summary>
public sealed class ProtocolFormatException : Exception
{
    /// <summary>Creates the exception with a message naming what was malformed.</summary>
    public ProtocolFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a default message.</summary>
    public ProtocolFormatException()
        : base("malformed protocol message")
    {
    }

    /// <summary>Creates the exception with a message and the underlying cause.</summary>
    public ProtocolFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
