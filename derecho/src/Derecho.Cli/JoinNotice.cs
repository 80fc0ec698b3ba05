using Derecho.Configuration;
using Systems.Cli;

namespace Derecho.Cli;

/// <summary>Tells the user on standard error when joining takes long, instead of waiting in silence.</summary>
internal static class JoinNotice
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Runs <paramref name="join"/>; if it has not finished after a few seconds (the contact is down or not started
    /// yet, or a restarting member waits for its last view's members), says so once and goes on waiting.
    /// </summary>
    /// <exception cref="UsageException">The configuration cannot be used (a port in use, say).</exception>
    public static async Task<T> JoinAsync<T>(Func<CancellationToken, Task<T>> join, GroupOptions options, CancellationToken cancellationToken)
    {
        var joining = join(cancellationToken);
        await Task.WhenAny(joining, Task.Delay(Patience, cancellationToken));
        if (!joining.IsCompleted && !cancellationToken.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync($"derecho: member {options.LocalId} is not in a group yet after {Patience.TotalSeconds:0} s; {WaitingFor(options)}");
        }
        try
        {
            return await joining;
        }
        catch (ConfigurationException e)
        {
            throw new UsageException(e.Message, e);
        }
        catch (GroupStoppedException e) when (e.Reason == Protocol.StopReason.IdInUse)
        {
            // Two processes configured with one local_id: a configuration error.
            throw new UsageException(e.Message, e);
        }
    }

    /// <summary>
    /// Waits until the member stops and returns the exit code: 0 after it left, else 1. Prints <c>stopped REASON</c>
    /// on standard output, as ever, and for any stop but leaving (removed, out of a majority, replaced) says why on
    /// standard error too, where a supervisor looks for it; a member used to exit 1 with standard error empty.
    /// </summary>
    public static async Task<int> WaitForStopAsync(Group group, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(group);
        string message;
        try
        {
            var reason = await group.Stopped.WaitAsync(cancellationToken);
            await Console.Out.WriteLineAsync($"stopped {reason}");
            if (reason == Protocol.StopReason.Left)
            {
                return ExitCode.Success;
            }
            message = new GroupStoppedException(reason).Message;
        }
        catch (GroupStoppedException e)
        {
            await Console.Out.WriteLineAsync($"stopped {e.Message}");
            message = e.Message;
        }
        await Console.Error.WriteLineAsync($"derecho: member {group.NodeId} stopped: {message}; start it again to rejoin the group");
        return ExitCode.Negative;
    }

    /// <summary>
    /// Waits for <paramref name="ready"/>; if it has not completed after a few seconds, says once what the member
    /// waits for (<paramref name="waitingFor"/>, read then; null: nothing to say) and goes on waiting.
    /// </summary>
    public static async Task NoticeAsync(Task ready, uint localId, Func<string?> waitingFor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ready);
        ArgumentNullException.ThrowIfNull(waitingFor);
#pragma warning disable VSTHRD003 // The group's own completions, not work of another context.
        await Task.WhenAny(ready, Task.Delay(Patience, cancellationToken));
#pragma warning restore VSTHRD003
        if (!ready.IsCompleted && !cancellationToken.IsCancellationRequested && waitingFor() is { } what)
        {
            await Console.Error.WriteLineAsync($"derecho: member {localId} is in a group but waits for {what}");
        }
    }

    /// <summary>
    /// What a member that is not in a group yet waits for: the contact; or, when it is the contact itself and
    /// recorded the members of its last view, an answer from one of them before it starts the group again.
    /// </summary>
    private static string WaitingFor(GroupOptions options)
    {
        if (!options.IsContact)
        {
            return $"still trying the contact {options.ContactEndPoint} (is it running?)";
        }
        var own = options.SstEndPoint.ToString();
        var recorded = options.ViewFile is { } path && File.Exists(path)
            ? File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0 && l != own).ToArray()
            : [];
        var leaders = options.RestartLeaders.Count > 0 ? $" and the restart leaders ({string.Join(", ", options.RestartLeaders)})" : "";
        return recorded.Length == 0
            ? $"it is the contact and waits for its first view{leaders}"
            : $"it is the contact and asks the {recorded.Length} other members of its last recorded view ({string.Join(", ", recorded)}){leaders} to readmit it; " +
              $"none has answered yet (it starts the group again without them once none answered for {options.RejoinWait.TotalSeconds:0.#} s)";
    }
}
