using System.Net;

namespace Derecho;

/// <summary>
/// Everything a member needs to start or join a group. Build it in code or load it from Derecho's configuration
/// files with <see cref="Configuration.DerechoConfiguration"/>; <see cref="Validate"/> names the configuration key of
/// any bad value.
/// </summary>
public sealed record GroupOptions
{
    /// <summary>The default <c>DERECHO/gms_port</c> (membership and joins), as in Derecho.</summary>
    public const int DefaultGmsPort = 23580;

    /// <summary>
    /// The default <c>DERECHO/sst_port</c> (member-to-member traffic). Derecho's 37683 lies in Linux's ephemeral range,
    /// where a retried connect can meet itself; this one stays below 32768.
    /// </summary>
    public const int DefaultSstPort = 23583;

    /// <summary>The default <c>DERECHO/rdmc_port</c>, as in Derecho.</summary>
    public const int DefaultRdmcPort = 31675;

    /// <summary>This member's node id (<c>DERECHO/local_id</c>).</summary>
    public uint LocalId { get; init; }

    /// <summary>The address this member listens on and gives to its peers (<c>DERECHO/local_ip</c>).</summary>
    public IPAddress LocalIp { get; init; } = IPAddress.Loopback;

    /// <summary>The port for joins and contact requests (<c>DERECHO/gms_port</c>); 0 lets the system choose.</summary>
    public int GmsPort { get; init; } = DefaultGmsPort;

    /// <summary>The port peers connect to for protocol traffic (<c>DERECHO/sst_port</c>); 0 lets the system choose.</summary>
    public int SstPort { get; init; } = DefaultSstPort;

    /// <summary>
    /// Derecho's RDMC port (<c>DERECHO/rdmc_port</c>). Large messages share the peer connection here, so the port is
    /// validated but not bound.
    /// </summary>
    public int RdmcPort { get; init; } = DefaultRdmcPort;

    /// <summary>The member to contact to join (<c>DERECHO/contact_ip</c>).</summary>
    public IPAddress ContactIp { get; init; } = IPAddress.Loopback;

    /// <summary>
    /// The contact's <c>gms_port</c> (<c>DERECHO/contact_port</c>). The member whose own <see cref="LocalIp"/> and
    /// <see cref="GmsPort"/> equal the contact's starts the group; every other member joins through the contact.
    /// </summary>
    public int ContactPort { get; init; } = DefaultGmsPort;

    /// <summary>How often a member refreshes its heartbeat (<c>DERECHO/heartbeat_ms</c>).</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// How long a peer may stay silent before it is suspected (<c>DERECHO/sst_poll_cq_timeout_ms</c>). Many
    /// heartbeats long, so that busy shared cores do not raise false suspicions.
    /// </summary>
    public TimeSpan SuspicionTimeout { get; init; } = TimeSpan.FromMilliseconds(1000);

    /// <summary>
    /// Whether a side without a majority of the previous view stops (the inverse of
    /// <c>DERECHO/disable_partitioning_safety</c>). On by default, unlike Derecho.
    /// </summary>
    public bool PartitionSafety { get; init; } = true;

    /// <summary>The largest message an application may send (<c>SUBGROUP/DEFAULT/max_payload_size</c>).</summary>
    public int MaxPayloadSize { get; init; } = 1 << 20;

    /// <summary>
    /// The largest frame a member accepts on any of its connections, from members and external clients alike:
    /// max(<see cref="MaxPayloadSize"/>, <see cref="WindowSize"/> × (<see cref="MaxSmcPayloadSize"/> + 64)) + 1 MiB
    /// (a batch of a full window of small messages, or the largest message, with room for headers). A larger frame
    /// drops its connection, so callers refuse such requests before sending them (<see cref="Rpc.RpcError.TooLarge"/>).
    /// </summary>
    public int MaxFrameSize => (int)Math.Min(int.MaxValue / 2L, Math.Max(MaxPayloadSize, (long)WindowSize * (MaxSmcPayloadSize + 64)) + (1 << 20));

    /// <summary>
    /// The largest message sent whole through the small-message ring (<c>SUBGROUP/DEFAULT/max_smc_payload_size</c>);
    /// larger ones travel in blocks.
    /// </summary>
    public int MaxSmcPayloadSize { get; init; } = 10240;

    /// <summary>The size of the blocks large messages travel in (<c>SUBGROUP/DEFAULT/block_size</c>); the same at every member.</summary>
    public int BlockSize { get; init; } = 64 * 1024;

    /// <summary>How the blocks of large messages travel (<c>SUBGROUP/DEFAULT/rdmc_send_algorithm</c>); the same at every member.</summary>
    public Multicast.BulkSchedule BulkSchedule { get; init; } = Multicast.BulkSchedule.Binomial;

    /// <summary>How many of its messages a sender may have undelivered (<c>SUBGROUP/DEFAULT/window_size</c>).</summary>
    public int WindowSize { get; init; } = 256;

    /// <summary>
    /// Completes the tasks of <see cref="Group.SendAsync(ReadOnlyMemory{byte}, CancellationToken)"/> on the thread
    /// that runs the event loop, so that code awaiting them continues there at once instead of after a thread
    /// wake-up (a send-and-wait loop saves one wake-up per message). Only for callers whose continuations neither
    /// block nor take long: the member handles nothing else meanwhile. Off by default.
    /// </summary>
    public bool InlineSendCompletions { get; init; }

    /// <summary>
    /// Lets <see cref="Group.SendAsync(ReadOnlyMemory{byte}, CancellationToken)"/> run the event loop on the calling
    /// thread when no other send of this member is in flight and no other thread runs the loop: a lone message then
    /// leaves at once instead of after a hop to the work lane (sends made while others are in flight still go
    /// through the lane, so that they leave batched). The loop may then deliver messages and complete sends on the caller's
    /// thread before <c>SendAsync</c> returns: only for callers that hold no lock a handler might need. Off by default.
    /// </summary>
    public bool SendOnCallingThread { get; init; }

    /// <summary>
    /// Assembles received messages above <see cref="MaxSmcPayloadSize"/> in pooled buffers that are used again once
    /// the <see cref="GroupHandlers.Delivered"/> callback returns, as Derecho reuses its buffers after the delivery
    /// upcall: the callback must not keep such a payload (copy it if needed); subscribers of
    /// <see cref="Group.ReadDeliveriesAsync"/> get copies. Saves the page faults and zeroing of a fresh buffer per
    /// message. Off by default.
    /// </summary>
    public bool ReuseLargeMessageBuffers { get; init; }

    /// <summary>Where and how persistent fields keep their logs (the <c>PERS</c> keys).</summary>
    public Persistence.PersistenceOptions Persistence { get; init; } = new();

    /// <summary>
    /// A file where the member records the endpoints of every view it installs. A contact that restarts and finds
    /// other members there rejoins their group through them (as a new incarnation) instead of starting a new one;
    /// it starts alone only when none of them has answered for <see cref="RejoinWait"/> (from its start or from the
    /// last answer: a group that died while it asked is given up too). Null: not recorded.
    /// </summary>
    public string? ViewFile { get; init; }

    /// <summary>
    /// How long a restarted contact waits for an answer from the members of its last view before it starts alone,
    /// counted again from each answer (see <see cref="Protocol.Member.Rejoin"/>).
    /// </summary>
    public TimeSpan RejoinWait { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The restart leaders in priority order (<c>DERECHO/restart_leaders</c> with <c>DERECHO/restart_leader_ports</c>,
    /// each a gms endpoint). A member that restarts with a <see cref="ViewFile"/> from an earlier run asks the first
    /// of them (and the members of its last view) to admit it; a restart leader starts the restarted group alone
    /// only when no leader before it in the list answered, so the second takes over when the first is down. Empty:
    /// the contact leads every restart.
    /// </summary>
    public IReadOnlyList<IPEndPoint> RestartLeaders { get; init; } = [];

    /// <summary>
    /// Whether a restarting member that is not a leader moves on to the next restart leader when one does not
    /// answer (<c>DERECHO/enable_backup_restart_leaders</c>); otherwise it asks only the first.
    /// </summary>
    public bool EnableBackupRestartLeaders { get; init; }

    /// <summary>
    /// How long each restart leader in turn is given before the next one starts the group alone
    /// (<c>DERECHO/restart_timeout_ms</c>): leader <c>i</c> starts alone after <see cref="RejoinWait"/> plus
    /// <c>i</c> times this, if nobody answered.
    /// </summary>
    public TimeSpan RestartTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The id of the first view when this member starts the group (not a Derecho key): a restart sets it above the
    /// last view its logs hold, so that persistent versions keep growing.
    /// </summary>
    public int FirstViewId { get; init; }

    /// <summary>The endpoint peers reach this member's protocol traffic at.</summary>
    public IPEndPoint SstEndPoint => new(LocalIp, SstPort);

    /// <summary>The endpoint joiners reach this member at.</summary>
    public IPEndPoint GmsEndPoint => new(LocalIp, GmsPort);

    /// <summary>The contact's endpoint.</summary>
    public IPEndPoint ContactEndPoint => new(ContactIp, ContactPort);

    /// <summary>Whether this member starts the group rather than joining it: its gms endpoint is the contact.</summary>
    public bool IsContact => GmsPort == ContactPort && LocalIp.Equals(ContactIp);

    /// <summary>Checks every value and their combinations.</summary>
    /// <exception cref="ArgumentException">A value is out of range; the message names its configuration key.</exception>
    public void Validate()
    {
        CheckPort(GmsPort, "DERECHO/gms_port");
        CheckPort(SstPort, "DERECHO/sst_port");
        CheckPort(RdmcPort, "DERECHO/rdmc_port");
        CheckPort(ContactPort, "DERECHO/contact_port");
        if (ContactPort == 0)
        {
            throw new ArgumentException("DERECHO/contact_port must name a port, not 0");
        }
        if (GmsPort != 0 && GmsPort == SstPort)
        {
            throw new ArgumentException($"DERECHO/gms_port and DERECHO/sst_port are both {GmsPort}; they must differ");
        }
        if (HeartbeatInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException($"DERECHO/heartbeat_ms must be positive, not {HeartbeatInterval.TotalMilliseconds}");
        }
        if (SuspicionTimeout < 2 * HeartbeatInterval)
        {
            throw new ArgumentException(
                $"DERECHO/sst_poll_cq_timeout_ms ({SuspicionTimeout.TotalMilliseconds}) must be at least twice DERECHO/heartbeat_ms ({HeartbeatInterval.TotalMilliseconds})");
        }
        if (MaxPayloadSize <= 0)
        {
            throw new ArgumentException($"SUBGROUP/DEFAULT/max_payload_size must be positive, not {MaxPayloadSize}");
        }
        if (MaxSmcPayloadSize <= 0 || MaxSmcPayloadSize > MaxPayloadSize)
        {
            throw new ArgumentException(
                $"SUBGROUP/DEFAULT/max_smc_payload_size ({MaxSmcPayloadSize}) must be positive and at most max_payload_size ({MaxPayloadSize})");
        }
        if (BlockSize <= 0)
        {
            throw new ArgumentException($"SUBGROUP/DEFAULT/block_size must be positive, not {BlockSize}");
        }
        if (!Enum.IsDefined(BulkSchedule))
        {
            throw new ArgumentException($"SUBGROUP/DEFAULT/rdmc_send_algorithm: unknown schedule {BulkSchedule}");
        }
        if (WindowSize <= 0)
        {
            throw new ArgumentException($"SUBGROUP/DEFAULT/window_size must be positive, not {WindowSize}");
        }
        var addresses = RestartLeaders.Count(l => !l.Address.Equals(IPAddress.None));
        var ports = RestartLeaders.Count(l => l.Port != 0);
        if (addresses != RestartLeaders.Count || ports != RestartLeaders.Count)
        {
            throw new ArgumentException(
                $"DERECHO/restart_leaders lists {addresses} addresses and DERECHO/restart_leader_ports {ports} ports; give one port per leader");
        }
        if (RestartTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"DERECHO/restart_timeout_ms must be positive, not {RestartTimeout.TotalMilliseconds}");
        }
        if (RejoinWait <= TimeSpan.Zero)
        {
            throw new ArgumentException($"the rejoin wait must be positive, not {RejoinWait}");
        }
        Persistence.Validate();
    }

    private static void CheckPort(int port, string key)
    {
        if (port is < 0 or > 65535)
        {
            throw new ArgumentException($"{key} must be a port between 0 and 65535, not {port}");
        }
    }
}
