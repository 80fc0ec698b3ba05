using System.Globalization;
using System.Text;
using Popcorn.Emulation;

namespace Popcorn.Migration;

/// <summary>
/// Popcorn's <c>check-stackmaps</c>: the call-site metadata of every ISA must describe the same call sites with the
/// same values (kinds and sizes) in the same order, so that each frame can be rebuilt on every ISA. Frames that
/// cannot be rewritten on one ISA are reported as warnings (a migration with such a frame on the stack is refused).
/// </summary>
public static class StackMapValidator
{
    /// <summary>The disagreements (errors) and the call sites that cannot be rewritten (warnings).</summary>
    /// <param name="Errors">Each names the function and the call site.</param>
    /// <param name="Warnings">Frames that cannot be rewritten, with the reason.</param>
    /// <param name="CallSites">Call sites compared.</param>
    public sealed record Report(IReadOnlyList<string> Errors, IReadOnlyList<string> Warnings, int CallSites);

    /// <summary>Compares the tables of two ISAs.</summary>
    public static Report Check(CallSiteTable first, CallSiteTable second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        var errors = new List<string>();
        var warnings = new List<string>();
        var c = CultureInfo.InvariantCulture;
        foreach (var site in first.Sites.OrderBy(s => s.Function).ThenBy(s => s.Id))
        {
            var other = second.Find(site.Function, site.Id);
            var where = string.Create(c, $"{site.FunctionName} call #{site.Id}");
            if (other is null)
            {
                errors.Add($"{where}: recorded on {first.Isa.Name()} but not on {second.Isa.Name()}");
                continue;
            }
            if (other.Values.Count != site.Values.Count)
            {
                errors.Add(string.Create(c, $"{where}: {site.Values.Count} values on {first.Isa.Name()}, {other.Values.Count} on {second.Isa.Name()}"));
                continue;
            }
            for (var v = 0; v < site.Values.Count; v++)
            {
                if (site.Values[v].Kind != other.Values[v].Kind || site.Values[v].Size != other.Values[v].Size)
                {
                    errors.Add(string.Create(c, $"{where}: value {v} is {site.Values[v].Kind} of {site.Values[v].Size} bytes on {first.Isa.Name()}, {other.Values[v].Kind} of {other.Values[v].Size} on {second.Isa.Name()}"));
                }
            }
            foreach (var (isa, s) in new[] { (first.Isa, site), (second.Isa, other) })
            {
                if (s.Problem is { } problem && (s.Flags & Toolchain.StackMapEncoding.NotRewritable) == 0)
                {
                    warnings.Add($"{where} on {isa.Name()}: {problem}");
                }
            }
        }
        foreach (var site in second.Sites.Where(s => first.Find(s.Function, s.Id) is null))
        {
            errors.Add(string.Create(c, $"{site.FunctionName} call #{site.Id}: recorded on {second.Isa.Name()} but not on {first.Isa.Name()}"));
        }
        return new Report(errors, warnings, first.Sites.Count);
    }

    /// <summary>A readable dump of the call sites of <paramref name="function"/> (or all) on one ISA.</summary>
    public static string Dump(CallSiteTable table, string? function)
    {
        ArgumentNullException.ThrowIfNull(table);
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        foreach (var site in table.Sites.Where(s => function is null || s.FunctionName == function).OrderBy(s => s.Function).ThenBy(s => s.Id))
        {
            var rule = site.Frame is { } f ? string.Create(c, $"CFA = r{f.CfaRegister} + {f.CfaOffset}; saved {string.Join(" ", f.Saved.OrderBy(p => p.Key).Select(p => $"r{p.Key}@{p.Value}"))}") : "no CFI";
            var bases = string.Concat(site.FrameAddresses.Select(a => string.Create(c, $"; r{a.Register} = r{a.Base} + {a.Offset}")));
            text.Append(c, $"{table.Isa.Name()} {site.FunctionName} #{site.Id} ret 0x{site.ReturnAddress:x} frame {site.StackSize}: {rule}{bases}{(site.Problem is null ? "" : $" [{site.Problem}]")}\n");
            foreach (var value in site.Values)
            {
                var l = value.Location;
                text.Append(c, $"    {value.Kind} {value.Size}: {l.Type} r{l.Register} {l.Offset} ({l.Size})\n");
            }
        }
        return text.ToString();
    }
}
