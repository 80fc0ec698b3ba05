using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Popcorn.Toolchain;

/// <summary>
/// Textual rewrites of the one LLVM IR module a program is compiled to. The IR is produced and optimized once, for
/// the aarch64 triple (<see cref="IrTriple"/>); <see cref="Normalize"/> makes every addressable constant a named
/// object with a section of its own (so that it can be placed at the same address on every ISA), and
/// <see cref="Retarget"/> prepares that same IR for another ISA's backend without changing what it computes.
/// </summary>
/// <remarks>
/// The IR keeps aarch64's <c>va_list</c> (a 32-byte struct) and clang's inline expansion of <c>va_arg</c> for it.
/// With both register offsets (<c>__gr_offs</c>, <c>__vr_offs</c>) at zero that expansion always reads the next
/// argument from <c>__stack</c>, 8 bytes per slot and 16-aligned for 16-byte types: exactly the layout of riscv64's
/// variadic save area. So for riscv64, <c>llvm.va_start</c> gets a pointer-sized temporary, whose value becomes
/// <c>__stack</c>, and the offsets are zeroed; <c>llvm.va_copy</c> copies all 32 bytes.
/// </remarks>
internal static partial class IrRetargeter
{
    /// <summary>The one triple every program's IR is generated and optimized for, as in Popcorn.</summary>
    public const TargetIsa IrTriple = TargetIsa.Aarch64;

    /// <summary>
    /// Turns private and <c>unnamed_addr</c> globals (string literals, constant tables) into internal named objects
    /// that the backends cannot merge, so that each gets a symbol and a section of its own on every ISA.
    /// </summary>
    public static string Normalize(string ir)
    {
        var result = GlobalDefinition().Replace(ir, m =>
        {
            var attributes = m.Groups["attrs"].Value.Replace(" unnamed_addr", "", StringComparison.Ordinal);
            var linkage = m.Groups["linkage"].Value == "private" ? "internal" : m.Groups["linkage"].Value;
            return $"{m.Groups["name"].Value} = {linkage}{attributes} {m.Groups["kind"].Value} ";
        });
        return result;
    }

    /// <summary>Returns the IR ready for <paramref name="isa"/>'s backend.</summary>
    public static string Retarget(string ir, TargetIsa isa)
    {
        if (isa == IrTriple)
        {
            return ir;
        }

        var text = TripleLine().Replace(ir, $"target triple = \"{isa.Triple()}\"");
        text = DataLayoutLine().Replace(text, $"target datalayout = \"{isa.DataLayout()}\"");
        text = TargetCpu().Replace(text, "");
        text = TuneCpu().Replace(text, "");
        text = TargetFeaturesAttribute().Replace(text, $"\"target-features\"=\"{isa.TargetFeatures()}\"");
        text = text.Replace(RegisterName(IrTriple.FlagAddressRegister()), RegisterName(isa.FlagAddressRegister()), StringComparison.Ordinal);
        text = RewriteVaStart(text);
        text = RewriteVaCopy(text);
        return AddModuleFlag(text, "!{i32 8, !\"SmallDataLimit\", i32 0}");
    }

    /// <summary>A register's name as <c>llvm.read_register</c>'s metadata operand spells it.</summary>
    private static string RegisterName(string register) => $"!{{!\"{register}\"}}";

    private static string RewriteVaStart(string ir)
    {
        var count = 0;
        return VaStart().Replace(ir, m =>
        {
            var n = count++;
            var indent = m.Groups["indent"].Value;
            var list = m.Groups["list"].Value;
            var code = new StringBuilder();
            code.Append(CultureInfo.InvariantCulture, $"{indent}%pc.va.tmp.{n} = alloca ptr, align 8\n");
            code.Append(CultureInfo.InvariantCulture, $"{indent}call void @llvm.va_start.p0(ptr %pc.va.tmp.{n})\n");
            code.Append(CultureInfo.InvariantCulture, $"{indent}%pc.va.stack.{n} = load ptr, ptr %pc.va.tmp.{n}, align 8\n");
            code.Append(CultureInfo.InvariantCulture, $"{indent}store ptr %pc.va.stack.{n}, ptr {list}, align 8\n");
            code.Append(CultureInfo.InvariantCulture, $"{indent}%pc.va.offs.{n} = getelementptr inbounds i8, ptr {list}, i64 24\n");
            code.Append(CultureInfo.InvariantCulture, $"{indent}store i64 0, ptr %pc.va.offs.{n}, align 8");
            return code.ToString();
        });
    }

    private static string RewriteVaCopy(string ir)
    {
        var count = 0;
        return VaCopy().Replace(ir, m =>
        {
            var n = count++;
            var indent = m.Groups["indent"].Value;
            var code = new StringBuilder();
            for (var word = 0; word < 4; word++)
            {
                var offset = word * 8;
                code.Append(CultureInfo.InvariantCulture, $"{indent}%pc.vc.s{n}.{word} = getelementptr inbounds i8, ptr {m.Groups["src"].Value}, i64 {offset}\n");
                code.Append(CultureInfo.InvariantCulture, $"{indent}%pc.vc.d{n}.{word} = getelementptr inbounds i8, ptr {m.Groups["dst"].Value}, i64 {offset}\n");
                code.Append(CultureInfo.InvariantCulture, $"{indent}%pc.vc.v{n}.{word} = load i64, ptr %pc.vc.s{n}.{word}, align 8\n");
                code.Append(CultureInfo.InvariantCulture, $"{indent}store i64 %pc.vc.v{n}.{word}, ptr %pc.vc.d{n}.{word}, align 8");
                if (word < 3)
                {
                    code.Append('\n');
                }
            }
            return code.ToString();
        });
    }

    private static string AddModuleFlag(string ir, string flag)
    {
        var next = 0;
        foreach (Match m in MetadataNumber().Matches(ir))
        {
            next = Math.Max(next, int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) + 1);
        }
        var flags = ModuleFlags().Match(ir);
        if (!flags.Success)
        {
            return ir + $"\n!llvm.module.flags = !{{!{next}}}\n!{next} = {flag}\n";
        }
        var list = flags.Groups[1].Value;
        var replaced = ir[..flags.Index] + $"!llvm.module.flags = !{{{list}, !{next}}}" + ir[(flags.Index + flags.Length)..];
        return replaced + $"\n!{next} = {flag}\n";
    }

    [GeneratedRegex(@"^(?<name>@[^\s=]+) = (?<linkage>private|internal)(?<attrs>(?: [a-z_]+(?:\([a-z]+\))?)*?) (?<kind>constant|global) ", RegexOptions.Multiline)]
    private static partial Regex GlobalDefinition();

    [GeneratedRegex(@"^target triple = ""[^""]*""", RegexOptions.Multiline)]
    private static partial Regex TripleLine();

    [GeneratedRegex(@"^target datalayout = ""[^""]*""", RegexOptions.Multiline)]
    private static partial Regex DataLayoutLine();

    [GeneratedRegex(@" ?""target-cpu""=""[^""]*""")]
    private static partial Regex TargetCpu();

    [GeneratedRegex(@" ?""tune-cpu""=""[^""]*""")]
    private static partial Regex TuneCpu();

    [GeneratedRegex(@"""target-features""=""[^""]*""")]
    private static partial Regex TargetFeaturesAttribute();

    [GeneratedRegex(@"^(?<indent>[ \t]+)call void @llvm\.va_start(?:\.p0)?\(ptr [^%\n]*(?<list>%[-\w.$]+|%""[^""]+"")\)[^\n]*", RegexOptions.Multiline)]
    private static partial Regex VaStart();

    [GeneratedRegex(@"^(?<indent>[ \t]+)call void @llvm\.va_copy(?:\.p0)?\(ptr [^%\n]*(?<dst>%[-\w.$]+), ptr [^%\n]*(?<src>%[-\w.$]+)\)[^\n]*", RegexOptions.Multiline)]
    private static partial Regex VaCopy();

    [GeneratedRegex(@"^!(\d+) = ", RegexOptions.Multiline)]
    private static partial Regex MetadataNumber();

    [GeneratedRegex(@"^!llvm\.module\.flags = !\{([^}]*)\}", RegexOptions.Multiline)]
    private static partial Regex ModuleFlags();
}
