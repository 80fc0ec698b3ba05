using System.Globalization;
using System.Text.RegularExpressions;
using Serval.Bpf;

namespace Serval.Tests.Bpf;

/// <summary>The eBPF decoder and disassembler against llvm-objdump on clang-built objects.</summary>
public sealed partial class BpfDecoderTests
{
    [Theory(Timeout = 60_000), Integration]
    [InlineData("arith.c", "v1")]
    [InlineData("arith.c", "v3")]
    [InlineData("arith.c", "v4")]
    [InlineData("maps.c", "v3")]
    public async Task Every_instruction_clang_emits_decodes_at_objdumps_slot_and_prints_as_objdump_prints_it(string source, string cpu)
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory("bpf-decode");
        var objectFile = await BpfBuild.CompileAsync(dir, BpfBuild.SamplePath(source), cpu, token);
        var listed = await ChildProcess.RunAsync("llvm-objdump-19", ["-d", "--no-show-raw-insn", objectFile], token);
        Assert.True(listed.ExitCode == 0, listed.Stderr);
        var expected = listed.Stdout.Split('\n').Select(l => ListingLine().Match(l)).Where(m => m.Success)
            .Select(m => (Slot: int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), Text: Normalize(m.Groups[2].Value))).ToList();
        var image = Serval.Binary.ElfImage.Load(objectFile);
        var decoded = BpfDecoder.Decode(image.SectionContents(".text"));
        Assert.Equal(expected.Select(e => e.Slot), decoded.Select(i => i.Index));
        Assert.All(decoded, i => Assert.True(i.IsLegal, i.Illegal));
        // llvm-objdump 19 prints some 32-bit atomics as <unknown>; those are compared by slot and legality only.
        var differences = expected.Zip(decoded).Where(p => p.First.Text != "<unknown>" && p.First.Text != Normalize(p.Second.ToString()))
            .Select(p => $"slot {p.First.Slot}: objdump '{p.First.Text}', ours '{Normalize(p.Second.ToString())}'").ToList();
        Assert.True(differences.Count == 0, string.Join('\n', differences.Take(20)));
    }

    // Numbers in decimal, no symbolic annotations, single spaces: the two printers differ only in those.
    private static string Normalize(string text)
    {
        text = Annotation().Replace(text, "");
        text = HexNumber().Replace(text, m => (m.Groups[1].Value == "-" ? "-" : "") + ulong.Parse(m.Groups[2].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture));
        return Spaces().Replace(text, " ").Trim();
    }

    [GeneratedRegex(@"^\s+(\d+):\s+(.*)$")]
    private static partial Regex ListingLine();

    [GeneratedRegex(@"\s+<[^<>\s]+>$")]
    private static partial Regex Annotation();

    [GeneratedRegex(@"(-?)0x([0-9a-fA-F]+)")]
    private static partial Regex HexNumber();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
