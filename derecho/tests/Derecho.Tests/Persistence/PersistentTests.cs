using Derecho.Configuration;
using Derecho.Persistence;
using Microsoft.Extensions.Time.Testing;

namespace Derecho.Tests.Persistence;

public sealed class PersistentTests
{
    [Fact]
    public async Task AFieldReadsAsOfVersionsAndTimesAndComesBackAfterACrash()
    {
        var disk = new SimulatedDisk();
        var options = new PersistenceOptions { FilePath = "/plog" };
        var clock = new HybridLogicalClock(new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddSeconds(100)));
        var times = new List<HlcTimestamp>();
        using (var field = Persistent.Open(options, "greeting", PersistentCodecs.Utf8, "", disk))
        {
            Assert.Equal("", field.Value);
            foreach (var (seq, text) in new[] { (0u, "hello"), (1u, "bonjour"), (5u, "hallo") })
            {
                times.Add(clock.Now());
                field.Put(Versions.Of(2, seq), times[^1], text);
            }
            Assert.Equal("hallo", field.Value);
            Assert.Equal(Versions.None, field.PersistedVersion);
            var persisted = field.WaitForPersistedAsync(Versions.Of(2, 5), TestContext.Current.CancellationToken);
            Assert.Equal(Versions.Of(2, 5), field.Persist());
            await persisted;
            field.Put(Versions.Of(3, 0), clock.Now(), "lost: never persisted");
        }
        disk.Restart(new Random(1));
        using var reopened = Persistent.Open(options, "greeting", PersistentCodecs.Utf8, "", disk);
        Assert.Equal("hallo", reopened.Value);
        Assert.Equal(Versions.Of(2, 5), reopened.PersistedVersion);
        Assert.Equal("bonjour", reopened.Get(Versions.Of(2, 3)));
        Assert.Equal("", reopened.Get(Versions.Of(1, 0)));
        Assert.Equal("hello", reopened.Get(times[0]));
        Assert.Equal("bonjour", reopened.Get(times[2] with { Logical = times[2].Logical - 1 }));
        Assert.True(reopened.TryGetExact(Versions.Of(2, 1), out var time, out var value));
        Assert.Equal((times[1], "bonjour"), (time, value));
        Assert.False(reopened.TryGetExact(Versions.Of(2, 2), out _, out _));
        reopened.Log.Trim(Versions.Of(2, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => reopened.Get(Versions.Of(2, 3)));
        Assert.Equal("hallo", reopened.Get(Versions.Of(2, 7)));
    }

    [Fact]
    public void TheClockFollowsTheWallClockAndNeverGoesBack()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddSeconds(1000));
        var clock = new HybridLogicalClock(time);
        var first = clock.Now();
        Assert.Equal(new HlcTimestamp(1_000_000_000, 0), first);
        Assert.Equal(new HlcTimestamp(1_000_000_000, 1), clock.Now());
        var ahead = new HlcTimestamp(1_000_000_500, 7);
        Assert.Equal(new HlcTimestamp(1_000_000_500, 8), clock.Observe(ahead));
        time.Advance(TimeSpan.FromMicroseconds(100));
        Assert.Equal(new HlcTimestamp(1_000_000_500, 9), clock.Now());
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(new HlcTimestamp(1_000_001_100, 0), clock.Now());
        Assert.Equal(new HlcTimestamp(1_000_001_100, 1), clock.Observe(first));
        Assert.Equal(clock.Last, HlcTimestamp.Parse(clock.Last.ToString()));
        Assert.Equal(new HlcTimestamp(42, 0), HlcTimestamp.Parse("42"));
        Assert.Throws<FormatException>(() => HlcTimestamp.Parse("4x2"));
        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(1000), first.WallClock);
    }

    [Fact]
    public void VersionsPackTheViewAndSequence()
    {
        var version = Versions.Of(7, 0xFFFF_FFFF);
        Assert.Equal((7, 0xFFFF_FFFFu), (Versions.ViewOf(version), Versions.SequenceOf(version)));
        Assert.True(Versions.Of(8, 0) > version);
    }

    [Fact]
    public void PersKeysAreReadAndValidated()
    {
        var loaded = DerechoConfiguration.FromEntries(ConfigurationFile.Parse(
            "[PERS]\nfile_path = /var/lib/derecho\nreset = true\nmax_log_entry = 4096\nmax_data_size = 1048576\n", "derecho.cfg"));
        Assert.Equal(new PersistenceOptions { FilePath = "/var/lib/derecho", Reset = true, MaxLogEntries = 4096, MaxDataSize = 1 << 20 }, loaded.Options.Persistence);
        Assert.Empty(loaded.Warnings);
        var zero = Assert.Throws<ConfigurationException>(() => DerechoConfiguration.FromEntries(ConfigurationFile.Parse("[PERS]\nmax_log_entry = 0\n", "derecho.cfg")));
        Assert.Contains("max_log_entry", zero.Message, StringComparison.Ordinal);
        var word = Assert.Throws<ConfigurationException>(() => DerechoConfiguration.FromEntries(ConfigurationFile.Parse("[PERS]\nreset = maybe\n", "derecho.cfg")));
        Assert.Contains("reset", word.Message, StringComparison.Ordinal);
        var empty = Assert.Throws<ConfigurationException>(() => DerechoConfiguration.FromEntries(ConfigurationFile.Parse("[PERS]\nfile_path = \" \"\n", "derecho.cfg")));
        Assert.Contains("PERS/file_path", empty.Message, StringComparison.Ordinal);
    }
}
