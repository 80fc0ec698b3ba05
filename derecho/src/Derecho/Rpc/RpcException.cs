namespace Derecho.Rpc;

/// <summary>Why a call failed.</summary>
public enum RpcError : byte
{
    /// <summary>The method ran and threw.</summary>
    HandlerFailed = 1,

    /// <summary>The type has no such method, or not of the kind called (ordered or P2P).</summary>
    UnknownMethod = 2,

    /// <summary>The arguments or the reply did not decode.</summary>
    BadArguments = 3,

    /// <summary>The member called is not a member of the subgroup, or the subgroup or shard does not exist.</summary>
    NotAMember = 4,

    /// <summary>The current view cannot give every shard its minimum of members; the group waits for joins.</summary>
    InadequateView = 5,

    /// <summary>The member left the group (failed, removed or left) before it replied.</summary>
    MemberRemoved = 6,

    /// <summary>The call waited longer than its timeout.</summary>
    Timeout = 7,

    /// <summary>The member or client making the call stopped.</summary>
    Stopped = 8,

    /// <summary>
    /// The replica joined its shard but every member that held the shard's state failed before transferring it:
    /// the replica holds no state and refuses to serve rather than answer from an empty one.
    /// </summary>
    StateLost = 9,

    /// <summary>
    /// The request is larger than the group accepts: an ordered call's arguments beyond
    /// <c>max_payload_size</c>, or any request beyond the largest frame a member accepts
    /// (<see cref="GroupOptions.MaxFrameSize"/>). Refused before it is sent.
    /// </summary>
    TooLarge = 10,
}

/// <summary>A remote call failed; <see cref="Error"/> says why and the message names what.</summary>
public class RpcException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RpcException(RpcError error, string message, Exception? innerException = null) : base(message, innerException) => Error = error;

    /// <summary>Creates an exception for a handler failure.</summary>
    public RpcException() : this(RpcError.HandlerFailed, "remote call failed")
    {
    }

    /// <summary>Creates an exception for a handler failure with <paramref name="message"/>.</summary>
    public RpcException(string message) : this(RpcError.HandlerFailed, message)
    {
    }

    /// <summary>Creates an exception for a handler failure with <paramref name="message"/> and its cause.</summary>
    public RpcException(string message, Exception innerException) : this(RpcError.HandlerFailed, message, innerException)
    {
    }

    /// <summary>Why the call failed.</summary>
    public RpcError Error { get; }
}

/// <summary>A member left the group before it replied to a call (Derecho's <c>node_removed_from_group_exception</c>).</summary>
public sealed class MemberRemovedException : RpcException
{
    /// <summary>Creates the exception for <paramref name="node"/>.</summary>
    public MemberRemovedException(uint node) : base(RpcError.MemberRemoved, $"member {node} was removed from the group before it replied") => Node = node;

    /// <summary>Creates the exception.</summary>
    public MemberRemovedException() : base(RpcError.MemberRemoved, "a member was removed from the group before it replied")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public MemberRemovedException(string message) : base(RpcError.MemberRemoved, message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public MemberRemovedException(string message, Exception innerException) : base(RpcError.MemberRemoved, message, innerException)
    {
    }

    /// <summary>The member that left.</summary>
    public uint Node { get; }
}
