using System.CommandLine;
using System.Globalization;
using Derecho.Persistence;
using Systems.Cli;

namespace Derecho.Cli;

/// <summary>
/// <c>derecho log check DIR</c>: opens one persistent field's log (repairing a torn tail, refusing damage) and
/// prints what it holds. <c>derecho log append DIR</c>: appends versions in group commits and prints
/// <c>persisted V</c> after each, the load the crash tests kill with SIGKILL; version V's bytes are
/// <c>(V * 31 + i) mod 256</c>.
/// </summary>
internal static class LogCommand
{
    public static Command Create()
    {
        var command = new Command("log", "Inspect or exercise a persistent field's log.");
        command.Subcommands.Add(CreateCheck());
        command.Subcommands.Add(CreateAppend());
        return command;
    }

    /// <summary>The bytes <c>derecho log append</c> writes for <paramref name="version"/>.</summary>
    public static void FillValue(long version, Span<byte> destination)
    {
        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = unchecked((byte)(version * 31 + i));
        }
    }

    private static Command CreateCheck()
    {
        var directory = new Argument<string>("DIR") { Description = "The field's log directory (PERS/file_path/FIELD)." };
        var list = new Option<bool>("--list") { Description = "Also print one line per version: its view and sequence number, time (as kv get --time takes it, and UTC) and size." };
        var command = new Command("check", "Open a log, repair a torn tail, refuse damage, and print what it holds.") { directory, list };
        command.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(directory)!;
            if (!Directory.Exists(path))
            {
                throw new UsageException($"no log directory {path}");
            }
            try
            {
                using var log = PersistentLog.Open(DiskFileSystem.Instance, path);
                if (log.Recovery is not null)
                {
                    await Console.Out.WriteLineAsync($"repaired: {log.Recovery}");
                }
                var latest = log.Latest;
                await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"versions {log.Count} earliest {log.EarliestVersion} latest {log.LatestVersion} trimmed-through {log.TrimmedThrough} latest-time {latest?.Time.ToString() ?? "-"}"));
                if (parse.GetValue(list))
                {
                    foreach (var entry in log.Enumerate())
                    {
                        ct.ThrowIfCancellationRequested();
                        await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                            $"{entry.Version} view {Versions.ViewOf(entry.Version)} seq {Versions.SequenceOf(entry.Version)} time {entry.Time} ({entry.Time.WallClock.UtcDateTime:yyyy-MM-ddTHH:mm:ss.ffffffZ}) bytes {entry.Data.Length}"));
                    }
                }
                return ExitCode.Success;
            }
            catch (LogCorruptException e)
            {
                await Console.Error.WriteLineAsync($"derecho: {e.Message}");
                return ExitCode.Negative;
            }
        });
        return command;
    }

    private static Command CreateAppend()
    {
        var directory = new Argument<string>("DIR") { Description = "The log directory (created if missing)." };
        var count = new Option<long>("--count") { Description = "Versions to append; -1 appends until killed.", DefaultValueFactory = _ => 1000 };
        var size = new Option<int>("--size") { Description = "Bytes per version.", DefaultValueFactory = _ => 100 };
        var batch = new Option<int>("--batch") { Description = "Versions per group commit.", DefaultValueFactory = _ => 16 };
        var command = new Command("append", "Append versions in group commits, printing 'persisted V' after each.") { directory, count, size, batch };
        command.Hidden = true;
        command.SetAction(async (parse, ct) =>
        {
            var (total, bytes, perCommit) = (parse.GetValue(count), parse.GetValue(size), parse.GetValue(batch));
            if (bytes < 0 || perCommit <= 0)
            {
                throw new UsageException("--size must be at least 0 and --batch at least 1");
            }
            using var log = PersistentLog.Open(DiskFileSystem.Instance, parse.GetValue(directory)!);
            var clock = new HybridLogicalClock();
            var value = new byte[bytes];
            var version = log.LatestVersion + 1;
            for (long appended = 0; total < 0 || appended < total; appended++, version++)
            {
                ct.ThrowIfCancellationRequested();
                FillValue(version, value);
                log.Append(version, clock.Now(), value);
                if ((appended + 1) % perCommit == 0 || appended + 1 == total)
                {
                    await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"persisted {log.Commit()}"));
                    await Console.Out.FlushAsync(ct);
                }
            }
            return ExitCode.Success;
        });
        return command;
    }
}
