using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace Serval.Tests.RiscV;

/// <summary>One line of an objdump listing: address, encoding, and the text after it.</summary>
internal sealed record ListedInstruction(ulong Address, uint Bits, int Length, string Text);

/// <summary>Debian's RISC-V binutils, driven from tests: assemble text, list it with objdump.</summary>
internal static partial class RiscVTools
{
    public static string AssetPath(string name) => Path.Combine(Path.GetDirectoryName(SourceFile())!, "Assets", name);

    private static string SourceFile([CallerFilePath] string path = "") => path;

    /// <summary>Assembles <paramref name="source"/> for <paramref name="march"/> and returns objdump's listing of it.</summary>
    public static async Task<IReadOnlyList<ListedInstruction>> AssembleAndListAsync(string source, string march, CancellationToken token)
    {
        using var dir = new TempDirectory("riscv-asm");
        var input = dir.Combine("input.s");
        var output = dir.Combine("input.o");
        await File.WriteAllTextAsync(input, source, token);
        var assembled = await ChildProcess.RunAsync("riscv64-linux-gnu-as", [$"-march={march}", "-o", output, input], token);
        Assert.True(assembled.ExitCode == 0, assembled.Stderr);
        return await ListAsync(output, token);
    }

    /// <summary>objdump -d -M no-aliases of an object or executable.</summary>
    public static async Task<IReadOnlyList<ListedInstruction>> ListAsync(string objectFile, CancellationToken token)
    {
        var listed = await ChildProcess.RunAsync("riscv64-linux-gnu-objdump", ["-d", "-M", "no-aliases", objectFile], token);
        Assert.True(listed.ExitCode == 0, listed.Stderr);
        var result = new List<ListedInstruction>();
        foreach (var line in listed.Stdout.Split('\n'))
        {
            var match = ListingLine().Match(line);
            if (!match.Success)
            {
                continue;
            }
            var hex = match.Groups[2].Value;
            var text = SymbolSuffix().Replace(match.Groups[3].Value, "");
            var comment = text.IndexOf(" #", StringComparison.Ordinal);
            text = (comment >= 0 ? text[..comment] : text).Trim();
            result.Add(new ListedInstruction(
                ulong.Parse(match.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                uint.Parse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture), hex.Length / 2, text));
        }
        return result;
    }

    /// <summary>objdump's text with branch and jump targets written as 0x-prefixed addresses, as ours are.</summary>
    public static string NormalizeTargets(string text)
    {
        var tab = text.IndexOf('\t', StringComparison.Ordinal);
        if (tab < 0)
        {
            return text;
        }
        var mnemonic = text[..tab];
        if (mnemonic is not ("jal" or "beq" or "bne" or "blt" or "bge" or "bltu" or "bgeu"))
        {
            return text;
        }
        var comma = text.LastIndexOf(',');
        return string.Concat(text.AsSpan(0, comma + 1), "0x", text.AsSpan(comma + 1));
    }

    [GeneratedRegex(@"^\s*([0-9a-f]+):\s+([0-9a-f]{4}|[0-9a-f]{8})\s+(\S.*)$")]
    private static partial Regex ListingLine();

    [GeneratedRegex(@" <[^>]*>")]
    private static partial Regex SymbolSuffix();
}
