using System.Globalization;
using System.Text;
using Popcorn.Emulation;

namespace Popcorn.Migration;

/// <summary>One stretch of a thread's run on one node, in the thread's own retired-instruction count.</summary>
/// <param name="Thread">The thread id.</param>
/// <param name="Isa">Where it ran.</param>
/// <param name="From">Instructions the thread had retired when the stretch began.</param>
/// <param name="To">… and when it ended.</param>
public readonly record struct TimelineSegment(int Thread, Isa Isa, long From, long To);

/// <summary>The <c>--stats</c> report and the timeline (text and SVG) of a migrating run.</summary>
public static class MigrationStatistics
{
    /// <summary>The report lines, each starting with <c>popcorn:</c>.</summary>
    public static IEnumerable<string> Format(RunReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var c = CultureInfo.InvariantCulture;
        foreach (var (node, retired) in report.Retired)
        {
            yield return string.Create(c, $"popcorn: {node.Name()}: {retired} instructions retired");
        }
        var done = report.Migrations.Where(m => m.Refusal is null).ToList();
        var refused = report.Migrations.Count - done.Count;
        var frames = done.Sum(m => m.Frames);
        var deepest = done.Count == 0 ? null : done.MaxBy(m => m.Frames);
        var cost = done.Sum(m => m.Cost.TotalMicroseconds);
        yield return string.Create(c,
            $"popcorn: migrations: {done.Count} ({refused} refused), frames rewritten {frames}, deepest stack moved {deepest?.Frames ?? 0} frames ({deepest?.StackBytes ?? 0} bytes), mean {(done.Count == 0 ? 0 : cost / done.Count):F1} us per migration, {(frames == 0 ? 0 : cost / frames):F2} us per frame");
        foreach (var (thread, retired) in report.RetiredPerThread.OrderBy(p => p.Key))
        {
            var count = done.Count(m => m.Thread == thread);
            yield return string.Create(c,
                $"popcorn: thread {thread}: {count} migrations, {string.Join(", ", retired.Select(p => $"{p.Value} instructions on {p.Key.Name()}"))}");
        }
        yield return string.Create(c, $"popcorn: {report.Threads} thread(s), {report.Elapsed.TotalSeconds:F3} s, {report.InstructionsPerSecond / 1e6:F1} M instructions/s");
        foreach (var segment in Timeline(report, null))
        {
            yield return string.Create(c, $"popcorn: timeline: thread {segment.Thread} on {segment.Isa.Name()} from instruction {segment.From} to {segment.To}");
        }
    }

    /// <summary>Where each thread ran, derived from its migrations; <paramref name="start"/> is the main thread's first node.</summary>
    public static IReadOnlyList<TimelineSegment> Timeline(RunReport report, Isa? start)
    {
        ArgumentNullException.ThrowIfNull(report);
        var segments = new List<TimelineSegment>();
        foreach (var (thread, retired) in report.RetiredPerThread.OrderBy(p => p.Key))
        {
            var moves = report.Migrations.Where(m => m.Thread == thread && m.Refusal is null).ToList();
            var total = retired.Values.Sum();
            var isa = moves.Count > 0 ? moves[0].From : retired.Where(p => p.Value > 0).Select(p => (Isa?)p.Key).FirstOrDefault() ?? start ?? Isa.Aarch64;
            var from = 0L;
            foreach (var move in moves)
            {
                segments.Add(new TimelineSegment(thread, isa, from, move.AtInstruction));
                isa = move.To;
                from = move.AtInstruction;
            }
            segments.Add(new TimelineSegment(thread, isa, from, total));
        }
        return segments;
    }

    /// <summary>An SVG picture of the timeline: one row per thread, aarch64 stretches blue, riscv64 orange.</summary>
    public static string TimelineSvg(RunReport report, Isa start)
    {
        var segments = Timeline(report, start);
        var threads = segments.Select(s => s.Thread).Distinct().ToList();
        const int width = 900, row = 28, left = 110;
        var c = CultureInfo.InvariantCulture;
        var svg = new StringBuilder();
        svg.Append(c, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width + left + 20}\" height=\"{(threads.Count * row) + 60}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append(c, $"<text x=\"10\" y=\"18\">Where each thread ran (x: instructions the thread retired); blue aarch64, orange riscv64; {report.Migrations.Count(m => m.Refusal is null)} migrations</text>\n");
        for (var i = 0; i < threads.Count; i++)
        {
            var y = 30 + (i * row);
            var own = segments.Where(s => s.Thread == threads[i]).ToList();
            var total = Math.Max(1, own.Max(s => s.To));
            svg.Append(c, $"<text x=\"10\" y=\"{y + 17}\">thread {threads[i]}</text>\n");
            foreach (var s in own)
            {
                var x = left + (s.From * (double)width / total);
                var w = Math.Max(0.5, (s.To - s.From) * (double)width / total);
                var color = s.Isa == Isa.Aarch64 ? "#3b7dd8" : "#e8832a";
                svg.Append(c, $"<rect x=\"{x:F1}\" y=\"{y}\" width=\"{w:F1}\" height=\"{row - 6}\" fill=\"{color}\"><title>{s.Isa.Name()}: instructions {s.From}-{s.To}</title></rect>\n");
            }
        }
        svg.Append("</svg>\n");
        return svg.ToString();
    }
}
