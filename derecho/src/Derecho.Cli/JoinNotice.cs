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
            await Console.Error.WriteLineAsync(
                $"derecho: member {options.LocalId} is not in a group yet after {Patience.TotalSeconds:0} s; still trying the contact {options.ContactEndPoint} (is it running?)");
        }
        try
        {
            return await joining;
        }
        catch (ConfigurationException e)
        {
            throw new UsageException(e.Message, e);
        }
    }
}
