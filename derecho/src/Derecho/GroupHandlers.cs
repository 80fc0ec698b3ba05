using Derecho.Membership;
using Derecho.Protocol;
using Microsoft.Extensions.Logging;

namespace Derecho;

/// <summary>
/// What a member calls back and the services it uses, given to <see cref="Group.JoinAsync(GroupOptions, GroupHandlers, CancellationToken)"/>.
/// Callbacks run on the member's event loop, in order: keep them short and never block in them.
/// </summary>
public sealed class GroupHandlers
{
    /// <summary>Called for every delivered message, from the first view on.</summary>
    public Action<DeliveredMessage>? Delivered { get; init; }

    /// <summary>Called for every installed view, the first included; deliveries after it belong to it.</summary>
    public Action<View>? ViewInstalled { get; init; }

    /// <summary>
    /// Called for every direct message (<see cref="Group.SendDirect(uint, ReadOnlyMemory{byte})"/>) from a member or
    /// an external client, on the connection's receive thread (not the event loop), in order per connection.
    /// </summary>
    public Action<DirectPeer, ReadOnlyMemory<byte>>? DirectReceived { get; init; }

    /// <summary>Moves application state to joiners.</summary>
    public IStateTransfer? StateTransfer { get; init; }

    /// <summary>Lays each view out in shards with a total order each (<see cref="Group.SendAsync(int, ReadOnlyMemory{byte}, CancellationToken)"/>).</summary>
    public IShardPlanner? ShardPlanner { get; init; }

    /// <summary>What this member sends with its join requests, and what the leader admits (<see cref="IJoinAdmission"/>).</summary>
    public IJoinAdmission? JoinAdmission { get; init; }

    /// <summary>
    /// Called when a shard's global persistence frontier grows: every member of the shard reported its
    /// deliveries persisted up to it (<see cref="Group.ReportPersisted"/>).
    /// </summary>
    public Action<PersistenceAdvanced>? PersistenceAdvanced { get; init; }

    /// <summary>Where the member logs; nothing when null.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>The clock; the system's when null.</summary>
    public TimeProvider? Time { get; init; }
}
