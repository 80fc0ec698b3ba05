using Microsoft.Extensions.Logging;

namespace Derecho;

/// <summary>The member's log messages, with stable event ids.</summary>
internal static partial class GroupLog
{
    [LoggerMessage(1, LogLevel.Information, "Member {NodeId} listening on {SstEndpoint} (joins on {GmsEndpoint})")]
    public static partial void Listening(this ILogger logger, uint nodeId, string sstEndpoint, string gmsEndpoint);

    [LoggerMessage(2, LogLevel.Information, "Member {NodeId} installed {View}")]
    public static partial void ViewInstalled(this ILogger logger, uint nodeId, string view);

    [LoggerMessage(3, LogLevel.Warning, "Connection to {Peer} lost: {Reason}")]
    public static partial void ConnectionLost(this ILogger logger, string peer, string reason);

    [LoggerMessage(4, LogLevel.Warning, "Dropping connection to {Peer}: {Reason}")]
    public static partial void DroppingConnection(this ILogger logger, string peer, string reason);

    [LoggerMessage(5, LogLevel.Warning, "Cannot connect to {Endpoint}: {Reason}")]
    public static partial void ConnectFailed(this ILogger logger, string endpoint, string reason);

    [LoggerMessage(6, LogLevel.Warning, "Member {NodeId} stopped: {Reason}")]
    public static partial void Stopped(this ILogger logger, uint nodeId, string reason);

    [LoggerMessage(7, LogLevel.Warning, "Cannot record the view in {Path}: {Reason}")]
    public static partial void ViewFileFailed(this ILogger logger, string path, string reason);

    [LoggerMessage(8, LogLevel.Debug, "Connection to {Peer}, not a member of the view, closed: {Reason}")]
    public static partial void NonMemberConnectionClosed(this ILogger logger, string peer, string reason);

    [LoggerMessage(9, LogLevel.Information, "A process at another address asks to join with the node id of {Holder}; probed its address: {Answer} answered (alive: {Alive})")]
    public static partial void Probed(this ILogger logger, string holder, string answer, bool alive);
}
