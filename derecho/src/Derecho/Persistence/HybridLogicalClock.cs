namespace Derecho.Persistence;

/// <summary>
/// A hybrid logical clock (Kulkarni et al., 2014): times that follow the wall clock yet never go backwards and
/// always exceed every time this clock has seen in a message. Sans-IO: the wall clock is a <see cref="TimeProvider"/>.
/// Thread-safe.
/// </summary>
public sealed class HybridLogicalClock
{
    private readonly TimeProvider _timeProvider;
    private readonly Lock _gate = new();
    private HlcTimestamp _last;

    /// <summary>A clock that reads <paramref name="timeProvider"/> (the system clock when null).</summary>
    public HybridLogicalClock(TimeProvider? timeProvider = null)
    {
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The latest time this clock has produced or seen.</summary>
    public HlcTimestamp Last
    {
        get
        {
            lock (_gate)
            {
                return _last;
            }
        }
    }

    /// <summary>A time for a local or send event: later than every time this clock has produced or seen.</summary>
    public HlcTimestamp Now()
    {
        var wall = WallMicroseconds();
        lock (_gate)
        {
            _last = wall > _last.Microseconds ? new HlcTimestamp(wall, 0) : Successor(_last);
            return _last;
        }
    }

    /// <summary>
    /// Takes in a time carried by a received message and returns a time for the receive event, later than both it
    /// and every time this clock has produced.
    /// </summary>
    public HlcTimestamp Observe(HlcTimestamp received)
    {
        var wall = WallMicroseconds();
        lock (_gate)
        {
            var latest = HlcTimestamp.Max(_last, received);
            _last = wall > latest.Microseconds ? new HlcTimestamp(wall, 0) : Successor(latest);
            return _last;
        }
    }

    private static HlcTimestamp Successor(HlcTimestamp time) =>
        time.Logical == uint.MaxValue ? new HlcTimestamp(time.Microseconds + 1, 0) : time with { Logical = time.Logical + 1 };

    private long WallMicroseconds() => (_timeProvider.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks / 10;
}
