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
            "[PERS]\nfile_path = /var/lib/derecho\nreset = true\nmax_log_entry = 4096\nmax_data_size = 1048576\nauto_trim = true\nmax_log_age_ms = 60000\npreallocate_segments = false\nsyncs_in_flight = 2\nuncache_synced = false\n", "derecho.cfg"));
        Assert.Equal(new PersistenceOptions
        {
            FilePath = "/var/lib/derecho", Reset = true, MaxLogEntries = 4096, MaxDataSize = 1 << 20, AutoTrim = true, MaxLogAge = TimeSpan.FromMinutes(1),
            PreallocateSegments = false, SyncsInFlight = 2, UncacheSynced = false,
        },
            loaded.Options.Persistence);
        Assert.Empty(loaded.Warnings);
        var zero = Assert.Throws<ConfigurationException>(() => DerechoConfiguration.FromEntries(ConfigurationFile.Parse("[PERS]\nmax_log_entry = 0\n", "derecho.cfg")));
        Assert.Contains("max_log_entry", zero.Message, StringComparison.Ordinal);
        var word = Assert.Throws<ConfigurationException>(() => DerechoConfiguration.FromEntries(ConfigurationFile.Parse("[PERS]\nreset = maybe\n", "derecho.cfg")));
        Assert.Contains("reset", word.Message, StringComparison.Ordinal);
        var empty = Assert.Throws<ConfigurationException>(() => DerechoConfiguration.FromEntries(ConfigurationFile.Parse("[PERS]\nfile_path = \" \"\n", "derecho.cfg")));
        Assert.Contains("PERS/file_path", empty.Message, StringComparison.Ordinal);
        var age = Assert.Throws<ConfigurationException>(() => DerechoConfiguration.FromEntries(ConfigurationFile.Parse("[PERS]\nmax_log_age_ms = 0\n", "derecho.cfg")));
        Assert.Contains("max_log_age_ms", age.Message, StringComparison.Ordinal);
        var syncs = Assert.Throws<ConfigurationException>(() => DerechoConfiguration.FromEntries(ConfigurationFile.Parse("[PERS]\nsyncs_in_flight = 0\n", "derecho.cfg")));
        Assert.Contains("syncs_in_flight", syncs.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnAutoTrimmedFieldKeepsWithinItsLimitsAndReadsItsRecentVersions()
    {
        var disk = new SimulatedDisk();
        var options = new PersistenceOptions { FilePath = "/plog", AutoTrim = true, MaxLogEntries = 8, MaxDataSize = 1 << 20 };
        using (var field = Persistent.Open(options, "counter", PersistentCodecs.Utf8, "", disk))
        {
            for (var v = 1; v <= 40; v++)
            {
                field.Put(v, new HlcTimestamp(v, 0), v.ToString(System.Globalization.CultureInfo.InvariantCulture));
                Assert.InRange(field.Log.Count, 1, 8);
            }
            field.Persist();
            Assert.Equal("40", field.Value);
            Assert.Equal("35", field.Get(35));
            Assert.Throws<ArgumentOutOfRangeException>(() => field.Get(3));
        }
        using (var reopened = Persistent.Open(options, "counter", PersistentCodecs.Utf8, "", disk))
        {
            Assert.Equal("40", reopened.Value);
            Assert.InRange(reopened.Log.TrimmedThrough, 30, 39);
        }
        // Without auto_trim the same limit refuses the ninth version.
        using var strict = Persistent.Open(options with { AutoTrim = false, Reset = true }, "counter", PersistentCodecs.Utf8, "", disk);
        for (var v = 1; v <= 8; v++)
        {
            strict.Put(v, new HlcTimestamp(v, 0), "x");
        }
        Assert.Throws<LogFullException>(() => strict.Put(9, new HlcTimestamp(9, 0), "x"));
    }
}

public sealed class SignedPersistentTests
{
    private static readonly PersistenceOptions Options = new() { FilePath = "/plog" };

    private static HlcTimestamp At(long version) => new(version * 1000, 0);

    [Fact]
    public void ASignedFieldVerifiesItsChainAcrossReopenTrimAndTruncate()
    {
        var disk = new SimulatedDisk();
        using var signer = LogSigner.Generate();
        using (var field = Persistent.Open(Options, "signed", PersistentCodecs.Int64, 0L, disk, signer))
        {
            for (var v = 1L; v <= 20; v++)
            {
                field.Put(v, At(v), v * v);
            }
            field.Persist();
            field.Trim(5);
            field.Truncate(15);
            Assert.Equal(225, field.Value);
            field.Put(16, At(16), -1);
            field.Persist();
        }
        using var verifier = LogSigner.FromPem(signer.ExportPrivateKeyPem());
        using var reopened = Persistent.Open(Options, "signed", PersistentCodecs.Int64, 0L, disk, verifier);
        Assert.Equal(-1, reopened.Value);
        Assert.Equal(100, reopened.Get(10));
        Assert.Equal(144, reopened.Get(At(12)));
    }

    [Fact]
    public void ThePrivateKeyFileKeyLoadsTheSigner()
    {
        using var directory = new TempDirectory("plog-key");
        using var signer = LogSigner.Generate();
        var keyFile = directory.Combine("key.pem");
        File.WriteAllText(keyFile, signer.ExportPrivateKeyPem());
        var options = DerechoConfiguration.FromEntries(ConfigurationFile.Parse($"[PERS]\nprivate_key_file = {keyFile}\n", "derecho.cfg")).Options.Persistence;
        using var loaded = options.LoadSigner();
        Assert.Equal(signer.ExportPublicKeyPem(), loaded!.ExportPublicKeyPem());
        Assert.Null(new PersistenceOptions().LoadSigner());
        var missing = Assert.Throws<ArgumentException>(() => (options with { PrivateKeyFile = directory.Combine("none.pem") }).LoadSigner());
        Assert.Contains("PERS/private_key_file", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AChangedValueOrABrokenChainIsRefused()
    {
        var disk = new SimulatedDisk();
        using var signer = LogSigner.Generate();
        using (var field = Persistent.Open(Options, "signed", PersistentCodecs.Int64, 0L, disk, signer))
        {
            for (var v = 1L; v <= 3; v++)
            {
                field.Put(v, At(v), v);
            }
            field.Persist();
        }
        // Rewrite version 2 with a value and a valid-looking record (fresh checksums) signed by another key.
        using (var log = PersistentLog.OpenField(Options, "signed", disk))
        using (var forger = LogSigner.Generate())
        using (var forged = new Persistent<long>(PersistentLog.Open(disk, "/forged"), PersistentCodecs.Int64, 0L, forger))
        {
            log.Truncate(1);
            forged.Put(2, At(2), 99);
            Assert.True(forged.Log.TryGet(2, out var entry));
            log.Append(2, At(2), entry.Data.Span);
            log.Commit();
        }
        var error = Assert.Throws<LogSignatureException>(() => Persistent.Open(Options, "signed", PersistentCodecs.Int64, 0L, disk, signer));
        Assert.Contains("version 2", error.Message, StringComparison.Ordinal);
        using var publicOnly = LogSigner.FromPem(signer.ExportPublicKeyPem());
        using var readOnly = Persistent.Open(Options, "other", PersistentCodecs.Int64, 0L, disk, publicOnly);
        Assert.Throws<InvalidOperationException>(() => readOnly.Put(1, At(1), 1));
        Assert.Throws<ArgumentException>(() => LogSigner.FromPem("not a key"));
    }
}
