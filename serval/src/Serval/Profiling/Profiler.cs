using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Serval.Profiling;

/// <summary>
/// A symbolic profiler in the manner of Rosette's SymPro: while one is running, every term created, union built,
/// merge performed and solver call made is counted against the innermost call site: a
/// <see cref="Region(string, string, int)"/> or a <c>Sym.If</c>/<c>Sym.ForAll</c> call, named by C# caller info.
/// Off (the default) it costs one static read per event.
/// </summary>
public sealed class Profiler : IDisposable
{
    private const string TopLevel = "(top level)";
    private static volatile Profiler? _active;

    [ThreadStatic]
    private static string? _site;

    private readonly ConcurrentDictionary<string, SiteCounters> _sites = new(StringComparer.Ordinal);

    private Profiler()
    {
    }

    /// <summary>Whether a profiler is running.</summary>
    public static bool IsActive => _active is not null;

    /// <summary>Starts profiling (process-wide) until the returned profiler is disposed.</summary>
    /// <exception cref="InvalidOperationException">A profiler is already running.</exception>
    public static Profiler Start()
    {
        var profiler = new Profiler();
        if (Interlocked.CompareExchange(ref _active, profiler, null) is not null)
        {
            throw new InvalidOperationException("A profiler is already running.");
        }
        return profiler;
    }

    /// <summary>Counts what happens until the returned scope is disposed against the caller's site.</summary>
    public static RegionScope Region([CallerMemberName] string member = "", [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        var previous = Enter(member, file, line);
        return new RegionScope(previous);
    }

    /// <summary>Counts what happens on this thread until the returned scope is disposed against the site <paramref name="site"/>.</summary>
    public static RegionScope Named(string site)
    {
        var previous = _site;
        if (_active is { } profiler)
        {
            _site = site;
            Interlocked.Increment(ref profiler.Counters(site).Calls);
        }
        return new RegionScope(new SiteFrame(previous, Stopwatch.GetTimestamp()));
    }

    /// <summary>The counters of one site, if it was entered.</summary>
    public ProfileEntry? Entry(string site) => _sites.TryGetValue(site, out var counters) ? counters.ToEntry(site) : null;

    /// <summary>The counters per site, busiest (most terms) first.</summary>
    public IReadOnlyList<ProfileEntry> Entries => [.. _sites
        .Select(p => p.Value.ToEntry(p.Key))
        .OrderByDescending(e => e.TermsCreated)
        .ThenByDescending(e => e.Time)];

    /// <summary>The counters as an aligned text table.</summary>
    public string ToTable()
    {
        var builder = new StringBuilder();
        builder.AppendLine(CultureInfo.InvariantCulture,
            $"{"site",-48} {"calls",8} {"paths",8} {"terms",10} {"merges",8} {"unions",8} {"max union",9} {"solver ms",10} {"time ms",10}");
        foreach (var e in Entries)
        {
            var site = e.Site.Length > 48 ? "…" + e.Site[^47..] : e.Site;
            builder.AppendLine(CultureInfo.InvariantCulture,
                $"{site,-48} {e.Calls,8} {e.Paths,8} {e.TermsCreated,10} {e.Merges,8} {e.Unions,8} {e.MaxUnionSize,9} {e.SolverTime.TotalMilliseconds,10:F1} {e.Time.TotalMilliseconds,10:F1}");
        }
        return builder.ToString();
    }

    /// <summary>The counters as a JSON array of objects.</summary>
    public string ToJson() => JsonSerializer.Serialize(Entries.Select(e => new
    {
        site = e.Site,
        calls = e.Calls,
        paths = e.Paths,
        terms = e.TermsCreated,
        merges = e.Merges,
        unions = e.Unions,
        maxUnionSize = e.MaxUnionSize,
        solverMilliseconds = e.SolverTime.TotalMilliseconds,
        milliseconds = e.Time.TotalMilliseconds,
    }), JsonOptions);

    /// <summary>Stops profiling; the counters stay readable.</summary>
    public void Dispose() => Interlocked.CompareExchange(ref _active, null, this);

    internal static SiteFrame Enter(string member, string file, int line)
    {
        var previous = _site;
        if (_active is { } profiler)
        {
            _site = $"{member} ({Path.GetFileName(file)}:{line})";
            Interlocked.Increment(ref profiler.Counters(_site).Calls);
        }
        return new SiteFrame(previous, Stopwatch.GetTimestamp());
    }

    internal static void Exit(SiteFrame frame)
    {
        if (_active is { } profiler && _site is { } site)
        {
            var counters = profiler.Counters(site);
            Interlocked.Add(ref counters.Ticks, Stopwatch.GetTimestamp() - frame.StartTicks);
        }
        _site = frame.PreviousSite;
    }

    internal static void OnTermCreated()
    {
        if (_active is { } profiler)
        {
            Interlocked.Increment(ref profiler.Counters(_site ?? TopLevel).Terms);
        }
    }

    internal static void OnPath()
    {
        if (_active is { } profiler)
        {
            Interlocked.Increment(ref profiler.Counters(_site ?? TopLevel).Paths);
        }
    }

    internal static void OnMerge()
    {
        if (_active is { } profiler)
        {
            Interlocked.Increment(ref profiler.Counters(_site ?? TopLevel).Merges);
        }
    }

    internal static void OnUnion(int size)
    {
        if (_active is { } profiler)
        {
            var counters = profiler.Counters(_site ?? TopLevel);
            Interlocked.Increment(ref counters.Unions);
            lock (counters)
            {
                counters.MaxUnionSize = Math.Max(counters.MaxUnionSize, size);
            }
        }
    }

    internal static void OnSolver(TimeSpan elapsed)
    {
        if (_active is { } profiler)
        {
            Interlocked.Add(ref profiler.Counters(_site ?? TopLevel).SolverTicks, elapsed.Ticks);
        }
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    private SiteCounters Counters(string site) => _sites.GetOrAdd(site, _ => new SiteCounters());

    /// <summary>The end of a profiled region: restores the enclosing site on dispose.</summary>
    public readonly struct RegionScope : IDisposable
    {
        private readonly SiteFrame _frame;

        internal RegionScope(SiteFrame frame) => _frame = frame;

        /// <inheritdoc />
        public void Dispose() => Exit(_frame);
    }

    internal readonly record struct SiteFrame(string? PreviousSite, long StartTicks);

    private sealed class SiteCounters
    {
        public long Calls;
        public long Terms;
        public long Merges;
        public long Paths;
        public long Unions;
        public int MaxUnionSize;
        public long SolverTicks;
        public long Ticks;

        public ProfileEntry ToEntry(string site) => new(site, Calls, Terms, Merges, Unions, MaxUnionSize,
            TimeSpan.FromTicks(SolverTicks), Stopwatch.GetElapsedTime(0, Ticks), Paths);
    }
}

/// <summary>What the profiler counted at one call site.</summary>
/// <param name="Site">The member, file and line.</param>
/// <param name="Calls">How often the site was entered.</param>
/// <param name="TermsCreated">New terms created while it was the innermost site.</param>
/// <param name="Merges">Merges at join points.</param>
/// <param name="Unions">Unions built by merging.</param>
/// <param name="MaxUnionSize">The largest such union.</param>
/// <param name="SolverTime">Time in solver calls.</param>
/// <param name="Time">Time inside the site, including nested sites.</param>
/// <param name="Paths">Paths of a lifted interpreter that ran to their end (or became infeasible) there.</param>
public sealed record ProfileEntry(string Site, long Calls, long TermsCreated, long Merges, long Unions, int MaxUnionSize,
    TimeSpan SolverTime, TimeSpan Time, long Paths = 0);
