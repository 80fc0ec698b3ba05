using System.Text.RegularExpressions;

namespace Popcorn.Toolchain;

/// <summary>
/// Refuses what would not mean the same on every ISA: differing primitive sizes, alignments or floating-point
/// formats between the targets, and IR constructs tied to one ISA (inline assembly, ISA intrinsics, x87 or PowerPC
/// long double). Struct layout follows from the one IR: every ISA lowers the same types and offsets.
/// </summary>
internal static partial class LayoutCheck
{
    private static readonly Lazy<IReadOnlyDictionary<TargetIsa, IReadOnlyDictionary<string, string>>> Predefined = new(ReadPredefined);

    /// <summary>Checks that the targets agree on every primitive size, alignment and floating-point format.</summary>
    /// <exception cref="CompileException">Names the first macro (e.g. <c>__SIZEOF_LONG_DOUBLE__</c>) that differs.</exception>
    public static void CheckTargets()
    {
        var all = Predefined.Value;
        var reference = all[IrRetargeter.IrTriple];
        foreach (var (isa, macros) in all)
        {
            foreach (var (name, value) in reference)
            {
                if (!macros.TryGetValue(name, out var other) || other != value)
                {
                    throw new CompileException(
                        $"data layout differs: {name} is {value} on {IrRetargeter.IrTriple.Name()} but {other ?? "undefined"} on {isa.Name()}; refusing to build a binary whose memory means different things per ISA");
                }
            }
        }
    }

    /// <summary>Refuses IR that only one ISA could run.</summary>
    /// <exception cref="CompileException">Names the construct and the function that holds it.</exception>
    public static void CheckIr(string ir)
    {
        if (ModuleAsm().IsMatch(ir))
        {
            throw new CompileException("file-scope inline assembly is ISA-specific and cannot be part of a multi-ISA binary");
        }
        string? function = null;
        foreach (var line in ir.Split('\n'))
        {
            if (line.StartsWith("define ", StringComparison.Ordinal))
            {
                var at = FunctionName().Match(line);
                function = at.Success ? at.Groups[1].Value : "?";
            }
            var reason = InlineAsm().IsMatch(line) ? "inline assembly"
                : IsaIntrinsic().Match(line) is { Success: true } m ? $"the ISA-specific intrinsic {m.Value}"
                : ForeignFloat().Match(line) is { Success: true } f ? $"the floating-point type {f.Value}"
                : null;
            if (reason is not null)
            {
                throw new CompileException($"{(function is null ? "a global" : $"function '{function}'")} uses {reason}, which is ISA-specific; a multi-ISA binary needs portable C");
            }
        }
    }

    private static Dictionary<TargetIsa, IReadOnlyDictionary<string, string>> ReadPredefined()
    {
        var result = new Dictionary<TargetIsa, IReadOnlyDictionary<string, string>>();
        foreach (var isa in TargetIsas.All)
        {
            var text = ToolRunner.Run(Tools.Clang, [.. isa.ClangTargetOptions(), "-funsigned-char", "-dM", "-E", "-x", "c", "/dev/null"]);
            result[isa] = LayoutMacro().Matches(text).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value.Trim());
        }
        return result;
    }

    [GeneratedRegex(@"^#define (__SIZEOF_\w+__|__\w+_ALIGN\w*__|__BIGGEST_ALIGNMENT__|__(?:FLT|DBL|LDBL)_(?:MANT_DIG|MAX_EXP)__|__BYTE_ORDER__|__CHAR_UNSIGNED__|__CHAR_BIT__) (.*)$", RegexOptions.Multiline)]
    private static partial Regex LayoutMacro();

    [GeneratedRegex(@"^module asm ", RegexOptions.Multiline)]
    private static partial Regex ModuleAsm();

    [GeneratedRegex(@"define [^@]*@(""[^""]+""|[-\w.$]+)\(")]
    private static partial Regex FunctionName();

    [GeneratedRegex(@"\basm (?:sideeffect |inteldialect |alignstack )*""")]
    private static partial Regex InlineAsm();

    [GeneratedRegex(@"@llvm\.(?:aarch64|riscv|x86|arm)\.[\w.]+")]
    private static partial Regex IsaIntrinsic();

    [GeneratedRegex(@"\b(?:x86_fp80|ppc_fp128|x86_amx)\b")]
    private static partial Regex ForeignFloat();
}
