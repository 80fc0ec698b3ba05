namespace Popcorn.Emulation;

/// <summary>An instruction-set architecture a node emulates.</summary>
public enum Isa
{
    /// <summary>AArch64 (ARMv8-A A64), little-endian.</summary>
    Aarch64,

    /// <summary>RV64GC (RV64IMAFDC with Zicsr and Zifencei), little-endian.</summary>
    RiscV64,
}

/// <summary>Names and parsing of <see cref="Isa"/> as users type them.</summary>
public static class IsaNames
{
    /// <summary>The name users type: <c>aarch64</c> or <c>riscv64</c>.</summary>
    public static string Name(this Isa isa) => isa switch
    {
        Isa.Aarch64 => "aarch64",
        Isa.RiscV64 => "riscv64",
        _ => throw new ArgumentOutOfRangeException(nameof(isa), isa, null),
    };

    /// <summary>Parses <c>aarch64</c>/<c>arm64</c> or <c>riscv64</c>/<c>rv64</c>; null for anything else.</summary>
    public static Isa? Parse(string text) => text.ToLowerInvariant() switch
    {
        "aarch64" or "arm64" => Isa.Aarch64,
        "riscv64" or "rv64" or "rv64gc" => Isa.RiscV64,
        _ => null,
    };
}
