using Derecho.Transport;

namespace Derecho.Tests.Transport;

/// <summary>
/// The I/O thread's wake-up: however wake-ups from other threads interleave with the I/O thread's acknowledgements,
/// a wake-up that counts as pending always has its datagram waiting (otherwise every later wake-up sends nothing, and
/// an I/O thread polling without a timeout never looks at a connection that waits for room: a member once stalled
/// for 25 minutes, until a debugger's signal interrupted its poll).
/// </summary>
public sealed class IoWakeupTests
{
    /// <summary>
    /// Wake-ups from two threads race an I/O thread that, like the real one, acknowledges only when its poll finds a
    /// datagram: once a wake-up is pending with none waiting, nothing ever clears it, so the state at the end shows it.
    /// </summary>
    [Fact]
    public async Task APendingWakeupAlwaysHasItsDatagramWaiting()
    {
        var ct = TestContext.Current.CancellationToken;
        for (var round = 0; round < 200; round++)
        {
            using var wakeup = new IoWakeup();
            using var start = new Barrier(3);
            var wakersDone = 0;
            var wakers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
            {
                start.SignalAndWait(ct);
                for (var i = 0; i < 2000; i++)
                {
                    wakeup.Wake();
                }
                Interlocked.Increment(ref wakersDone);
            }, ct)).ToArray();
            var ioThread = Task.Run(() =>
            {
                start.SignalAndWait(ct);
                while (Volatile.Read(ref wakersDone) < 2)
                {
                    if (wakeup.Waiting > 0)
                    {
                        wakeup.Acknowledge();
                    }
                }
            }, ct);
            await Task.WhenAll([.. wakers, ioThread]);
            Assert.False(wakeup.Pending && wakeup.Waiting == 0, $"round {round}: a wake-up is pending with no datagram waiting");
        }
    }

    [Fact]
    public void AWakeupAfterAnAcknowledgementSendsADatagram()
    {
        using var wakeup = new IoWakeup();
        wakeup.Wake();
        wakeup.Wake();
        Assert.True(wakeup.Pending);
        Assert.True(wakeup.Waiting > 0);
        wakeup.Acknowledge();
        Assert.False(wakeup.Pending);
        Assert.Equal(0, wakeup.Waiting);
        wakeup.Wake();
        Assert.True(wakeup.Waiting > 0);
    }
}
