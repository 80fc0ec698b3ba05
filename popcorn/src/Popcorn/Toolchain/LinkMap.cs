using System.Globalization;

namespace Popcorn.Toolchain;

/// <summary>One input section of an lld link map: where it came from, where it went, and its size.</summary>
/// <param name="File">The input file as lld names it: a path, <c>archive.a(member.o)</c> or <c>&lt;internal&gt;</c>.</param>
/// <param name="Name">The input section's name, e.g. <c>.text.main</c>.</param>
/// <param name="OutputSection">The output section it was placed in.</param>
/// <param name="Address">Its virtual address.</param>
/// <param name="Size">Its size in bytes.</param>
/// <param name="Alignment">Its required alignment in bytes.</param>
internal sealed record LinkMapSection(string File, string Name, string OutputSection, ulong Address, ulong Size, ulong Alignment)
{
    /// <summary>True for a member of an archive (<c>libgcc.a(_udivdi3.o)</c>).</summary>
    public bool IsArchiveMember => File.EndsWith(')') && File.Contains('(', StringComparison.Ordinal);

    /// <summary>The file's name without directories: <c>pc-user.o</c>, or <c>libgcc.a(_udivdi3.o)</c> for an archive member.</summary>
    public string FileName
    {
        get
        {
            if (!IsArchiveMember)
            {
                return Path.GetFileName(File);
            }
            var open = File.LastIndexOf('(');
            return Path.GetFileName(File[..open]) + File[open..];
        }
    }

    /// <summary>The lld file pattern that selects this input file in a linker script.</summary>
    public string ScriptPattern
    {
        get
        {
            if (!IsArchiveMember)
            {
                return "*" + Path.GetFileName(File);
            }
            var open = File.LastIndexOf('(');
            return $"*{Path.GetFileName(File[..open])}:{File[(open + 1)..^1]}";
        }
    }
}

/// <summary>Parses the map lld writes with <c>-Map</c> (columns VMA, LMA, Size, Align, Out, In, Symbol).</summary>
internal static class LinkMap
{
    /// <summary>The input sections listed in <paramref name="mapText"/>, in address order per output section.</summary>
    public static IReadOnlyList<LinkMapSection> Parse(string mapText)
    {
        var sections = new List<LinkMapSection>();
        var output = "";
        foreach (var raw in mapText.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length < 44 || line.StartsWith("             VMA", StringComparison.Ordinal))
            {
                continue;
            }
            // Fixed columns: VMA (16), LMA (17), Size (9), Align (6), then the tree, indented by 8 per level.
            var fields = line[..49].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length != 4 || !ulong.TryParse(fields[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var address))
            {
                continue;
            }
            var size = ulong.Parse(fields[2], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var alignment = ulong.Parse(fields[3], CultureInfo.InvariantCulture);
            var tree = line[49..];
            var depth = tree.Length - tree.TrimStart(' ').Length;
            var item = tree.Trim();
            if (depth == 0)
            {
                output = item;
            }
            else if (depth == 8)
            {
                var open = item.LastIndexOf(":(", StringComparison.Ordinal);
                if (open > 0 && item.EndsWith(')'))
                {
                    var name = item[(open + 2)..^1];
                    var plus = name.IndexOf('+', StringComparison.Ordinal);
                    sections.Add(new LinkMapSection(item[..open], plus >= 0 ? name[..plus] : name, output, address, size, Math.Max(alignment, 1)));
                }
            }
        }
        return sections;
    }
}
