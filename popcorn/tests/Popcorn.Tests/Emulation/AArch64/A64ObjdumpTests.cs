using System.Text.RegularExpressions;
using Popcorn.Emulation.AArch64;

namespace Popcorn.Tests.Emulation.AArch64;

/// <summary>
/// The decoder against llvm-objdump-19 on real compiled code: every word of .text that objdump disassembles must
/// decode to an implemented operation, and the common mnemonics to the operation they name.
/// </summary>
public partial class A64ObjdumpTests
{
    private static readonly Dictionary<string, A64Op[]> Expected = new(StringComparer.Ordinal)
    {
        ["add"] = [A64Op.AddImm, A64Op.AddShift, A64Op.AddExt],
        ["adds"] = [A64Op.AddsImm, A64Op.AddsShift, A64Op.AddsExt],
        ["sub"] = [A64Op.SubImm, A64Op.SubShift, A64Op.SubExt],
        ["subs"] = [A64Op.SubsImm, A64Op.SubsShift, A64Op.SubsExt],
        ["cmp"] = [A64Op.SubsImm, A64Op.SubsShift, A64Op.SubsExt],
        ["cmn"] = [A64Op.AddsImm, A64Op.AddsShift, A64Op.AddsExt],
        ["neg"] = [A64Op.SubShift],
        ["mov"] = [A64Op.MovConst, A64Op.OrrImm, A64Op.OrrShift, A64Op.AddImm, A64Op.VecOrr, A64Op.Umov, A64Op.InsGeneral, A64Op.InsElement, A64Op.DupElement],
        ["movk"] = [A64Op.Movk],
        ["adrp"] = [A64Op.MovConst],
        ["adr"] = [A64Op.MovConst],
        ["and"] = [A64Op.AndImm, A64Op.AndShift, A64Op.VecAnd],
        ["orr"] = [A64Op.OrrImm, A64Op.OrrShift, A64Op.VecOrr, A64Op.OrrVecImm],
        ["eor"] = [A64Op.EorImm, A64Op.EorShift, A64Op.VecEor],
        ["tst"] = [A64Op.AndsImm, A64Op.AndsShift],
        ["lsl"] = [A64Op.Ubfm, A64Op.Lslv],
        ["lsr"] = [A64Op.Ubfm, A64Op.Lsrv],
        ["asr"] = [A64Op.Sbfm, A64Op.Asrv],
        ["ubfx"] = [A64Op.Ubfm],
        ["sbfx"] = [A64Op.Sbfm],
        ["sxtw"] = [A64Op.Sbfm],
        ["bfi"] = [A64Op.Bfm],
        ["madd"] = [A64Op.Madd],
        ["mul"] = [A64Op.Madd],
        ["msub"] = [A64Op.Msub],
        ["sdiv"] = [A64Op.Sdiv],
        ["udiv"] = [A64Op.Udiv],
        ["csel"] = [A64Op.Csel],
        ["cset"] = [A64Op.Csinc],
        ["cinc"] = [A64Op.Csinc],
        ["csinc"] = [A64Op.Csinc],
        ["cneg"] = [A64Op.Csneg],
        ["ccmp"] = [A64Op.CcmpImm, A64Op.CcmpReg],
        ["b"] = [A64Op.B],
        ["bl"] = [A64Op.Bl],
        ["br"] = [A64Op.Br],
        ["blr"] = [A64Op.Blr],
        ["ret"] = [A64Op.Ret],
        ["cbz"] = [A64Op.Cbz],
        ["cbnz"] = [A64Op.Cbnz],
        ["tbz"] = [A64Op.Tbz],
        ["tbnz"] = [A64Op.Tbnz],
        ["svc"] = [A64Op.Svc],
        ["ldr"] = [A64Op.LdrW, A64Op.LdrX, A64Op.LdrB, A64Op.LdrH, A64Op.LdrS, A64Op.LdrD, A64Op.LdrQ],
        ["str"] = [A64Op.StrW, A64Op.StrX, A64Op.StrB, A64Op.StrH, A64Op.StrS, A64Op.StrD, A64Op.StrQ],
        ["ldrb"] = [A64Op.Ldrb],
        ["strb"] = [A64Op.Strb],
        ["ldrsw"] = [A64Op.Ldrsw],
        ["ldp"] = [A64Op.LdpW, A64Op.LdpX, A64Op.LdpS, A64Op.LdpD, A64Op.LdpQ],
        ["stp"] = [A64Op.StpW, A64Op.StpX, A64Op.StpS, A64Op.StpD, A64Op.StpQ],
        ["ldaxr"] = [A64Op.Ldxr],
        ["stlxr"] = [A64Op.Stxr],
        ["fadd"] = [A64Op.Fadd],
        ["fsub"] = [A64Op.Fsub],
        ["fmul"] = [A64Op.Fmul],
        ["fdiv"] = [A64Op.Fdiv],
        ["fsqrt"] = [A64Op.Fsqrt],
        ["fmadd"] = [A64Op.Fmadd],
        ["fcmp"] = [A64Op.Fcmp],
        ["fcsel"] = [A64Op.Fcsel],
        ["fcvt"] = [A64Op.FcvtToSingle, A64Op.FcvtToDouble],
        ["fcvtzs"] = [A64Op.FcvtToSigned, A64Op.FcvtzsScalar],
        ["fcvtzu"] = [A64Op.FcvtToUnsigned, A64Op.FcvtzuScalar],
        ["scvtf"] = [A64Op.Scvtf, A64Op.ScvtfScalar],
        ["ucvtf"] = [A64Op.Ucvtf, A64Op.UcvtfScalar],
        ["fmov"] = [A64Op.FmovReg, A64Op.FmovImm, A64Op.FmovToGeneral, A64Op.FmovFromGeneral, A64Op.FmovToTop, A64Op.FmovFromTop],
        ["movi"] = [A64Op.MoviImm],
        ["nop"] = [A64Op.Nop],
    };

    [GeneratedRegex(@"^\s*([0-9a-f]+):\s+([0-9a-f]{8})\s+(\S+)")]
    private static partial Regex InstructionLine();

    private static async Task<int> CheckAsync(string elf, CancellationToken ct)
    {
        var (code, listing, stderr) = await ChildProcess.RunAsync("llvm-objdump-19", ["-d", "--no-print-imm-hex", elf], ct);
        Assert.True(code == 0, stderr);
        var checkedCount = 0;
        foreach (var line in listing.Split('\n'))
        {
            var match = InstructionLine().Match(line);
            if (!match.Success)
            {
                continue;
            }
            var mnemonic = match.Groups[3].Value;
            if (mnemonic is "<unknown>" or "udf" or ".word")
            {
                continue;
            }
            var address = Convert.ToUInt64(match.Groups[1].Value, 16);
            var word = Convert.ToUInt32(match.Groups[2].Value, 16);
            var decoded = A64Decoder.Decode(word, address);
            Assert.True(decoded.Op != A64Op.Unknown, $"{Path.GetFileName(elf)}: '{line.Trim()}' does not decode");
            var family = mnemonic.StartsWith("b.", StringComparison.Ordinal) ? null : mnemonic;
            if (family is null)
            {
                Assert.Equal(A64Op.BCond, decoded.Op);
            }
            else if (Expected.TryGetValue(family, out var ops))
            {
                Assert.True(ops.Contains(decoded.Op), $"{Path.GetFileName(elf)}: '{line.Trim()}' decoded as {decoded.Op}");
            }
            checkedCount++;
        }
        return checkedCount;
    }

    [Theory(Timeout = 120_000)]
    [Integration]
    [InlineData("integer", 0)]
    [InlineData("integer", 2)]
    [InlineData("float", 0)]
    [InlineData("float", 2)]
    [InlineData("system", 2)]
    public async Task Test_programs_decode_as_objdump_reads_them(string program, int level)
    {
        var ct = TestContext.Current.CancellationToken;
        Assert.True(await CheckAsync(await A64Programs.BuildFreestandingAsync(program, level, ct), ct) > 100);
    }

    [Theory(Timeout = 180_000)]
    [Integration]
    [InlineData("npb_cg", 2)]
    [InlineData("threads", 1)]
    [InlineData("strings", 0)]
    public async Task Corpus_programs_decode_as_objdump_reads_them(string sample, int level)
    {
        var ct = TestContext.Current.CancellationToken;
        Assert.True(await CheckAsync(A64Programs.BuildSample(sample, level), ct) > 1000);
    }
}
