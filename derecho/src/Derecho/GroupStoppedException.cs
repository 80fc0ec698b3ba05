using Derecho.Protocol;

namespace Derecho;

/// <summary>
/// A send that can no longer be delivered, or an operation on a member that is no longer in the group: it left,
/// was removed, or stopped because it lost sight of a majority of its view.
/// </summary>
public sealed class GroupStoppedException : Exception
{
    /// <summary>Creates the exception for a member that stopped for <paramref name="reason"/>.</summary>
    public GroupStoppedException(StopReason reason)
        : this(reason, null)
    {
    }

    /// <summary>Creates the exception for a member that stopped for <paramref name="reason"/>, with more about why.</summary>
    public GroupStoppedException(StopReason reason, string? detail)
        : base(reason switch
        {
            StopReason.Left => "this member left the group",
            StopReason.Removed => "this member was removed from the group",
            StopReason.LostMajority => "this member lost sight of a majority of its view and stopped (partition safety)",
            StopReason.IdInUse => "the group refused this member's join: " + detail,
            StopReason.Replaced => "this member was replaced in the group by another process claiming its node id: " + detail,
            _ => $"this member stopped ({reason})",
        })
    {
        Reason = reason;
    }

    /// <summary>Creates the exception with a message.</summary>
    public GroupStoppedException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error behind it.</summary>
    public GroupStoppedException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public GroupStoppedException() : base("this member stopped")
    {
    }

    /// <summary>Why the member stopped, when known.</summary>
    public StopReason? Reason { get; }
}
