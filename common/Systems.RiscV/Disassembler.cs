using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Systems.RiscV;

/// <summary>
/// Prints instructions in the assembler's syntax with standard mnemonics and ABI register names, no aliases
/// (as <c>objdump -M no-aliases</c> does; compressed instructions print as their 32-bit equivalents).
/// </summary>
public static partial class Disassembler
{
    private static readonly string[] Mnemonics = BuildMnemonics();

    private static readonly string[] IntegerNames =
    [
        "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
        "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
    ];

    private static readonly string[] FloatNames =
    [
        "ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7", "fs0", "fs1", "fa0", "fa1", "fa2", "fa3", "fa4", "fa5",
        "fa6", "fa7", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7", "fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11",
    ];

    private static readonly string[] RoundingNames = ["rne", "rtz", "rdn", "rup", "rmm", "0x5", "0x6", "dyn"];

    /// <summary>The ABI name of integer register <paramref name="number"/> (<c>a0</c>, <c>sp</c>, …).</summary>
    public static string IntegerRegisterName(int number) => IntegerNames[number & 31];

    /// <summary>The ABI name of floating-point register <paramref name="number"/> (<c>fa0</c>, …).</summary>
    public static string FloatRegisterName(int number) => FloatNames[number & 31];

    /// <summary>The standard mnemonic of an opcode (<c>fcvt.w.s</c>, <c>amoadd.d</c>), without ordering suffixes.</summary>
    public static string Mnemonic(Opcode opcode) => Mnemonics[(int)opcode];

    /// <summary>
    /// The assembler text of <paramref name="instruction"/> at address <paramref name="pc"/> (branch and jump
    /// targets print as absolute addresses), e.g. <c>ld	a0,8(sp)</c>; an illegal one prints as
    /// <c>illegal	0x…</c>, naming its bits.
    /// </summary>
    public static string Format(in Instruction instruction, ulong pc)
    {
        if (!instruction.IsLegal)
        {
            return string.Create(CultureInfo.InvariantCulture, $"illegal\t0x{instruction.Bits:x}");
        }
        var entry = InstructionDecoder.EntryOf(instruction.Opcode);
        var text = new StringBuilder(Mnemonics[(int)instruction.Opcode]);
        text.Append((instruction.Aq, instruction.Rl) switch
        {
            (true, true) => ".aqrl",
            (true, false) => ".aq",
            (false, true) => ".rl",
            _ => "",
        });
        var first = true;
        foreach (var operand in entry.Operands)
        {
            var value = OperandText(instruction, operand, pc);
            if (value.Length == 0)
            {
                continue;
            }
            text.Append(first ? '\t' : ',').Append(value);
            first = false;
        }
        return text.ToString();
    }

    /// <summary>The conventional name of a CSR (<c>mstatus</c>, <c>pmpaddr3</c>), or its number in hex.</summary>
    public static string CsrName(int csr) => csr switch
    {
        CsrNumber.Fflags => "fflags",
        CsrNumber.Frm => "frm",
        CsrNumber.Fcsr => "fcsr",
        CsrNumber.Cycle => "cycle",
        CsrNumber.Time => "time",
        CsrNumber.Instret => "instret",
        CsrNumber.Sstatus => "sstatus",
        CsrNumber.Sie => "sie",
        CsrNumber.Stvec => "stvec",
        CsrNumber.Scounteren => "scounteren",
        CsrNumber.Sscratch => "sscratch",
        CsrNumber.Sepc => "sepc",
        CsrNumber.Scause => "scause",
        CsrNumber.Stval => "stval",
        CsrNumber.Sip => "sip",
        CsrNumber.Satp => "satp",
        CsrNumber.Mstatus => "mstatus",
        CsrNumber.Misa => "misa",
        CsrNumber.Medeleg => "medeleg",
        CsrNumber.Mideleg => "mideleg",
        CsrNumber.Mie => "mie",
        CsrNumber.Mtvec => "mtvec",
        CsrNumber.Mcounteren => "mcounteren",
        CsrNumber.Mscratch => "mscratch",
        CsrNumber.Mepc => "mepc",
        CsrNumber.Mcause => "mcause",
        CsrNumber.Mtval => "mtval",
        CsrNumber.Mip => "mip",
        CsrNumber.Mcycle => "mcycle",
        CsrNumber.Minstret => "minstret",
        CsrNumber.Mvendorid => "mvendorid",
        CsrNumber.Marchid => "marchid",
        CsrNumber.Mimpid => "mimpid",
        CsrNumber.Mhartid => "mhartid",
        >= CsrNumber.Pmpcfg0 and <= CsrNumber.Pmpcfg0 + 15 =>
            string.Create(CultureInfo.InvariantCulture, $"pmpcfg{csr - CsrNumber.Pmpcfg0}"),
        >= CsrNumber.Pmpaddr0 and <= CsrNumber.Pmpaddr0 + 63 =>
            string.Create(CultureInfo.InvariantCulture, $"pmpaddr{csr - CsrNumber.Pmpaddr0}"),
        _ => string.Create(CultureInfo.InvariantCulture, $"0x{csr:x}"),
    };

    private static string OperandText(in Instruction instruction, string operand, ulong pc) => operand switch
    {
        "rd" => IntegerNames[instruction.Rd],
        "rs1" => IntegerNames[instruction.Rs1],
        "rs2" => IntegerNames[instruction.Rs2],
        "fd" => FloatNames[instruction.Rd],
        "fs1" => FloatNames[instruction.Rs1],
        "fs2" => FloatNames[instruction.Rs2],
        "fs3" => FloatNames[instruction.Rs3],
        "imm" or "zimm" => instruction.Imm.ToString(CultureInfo.InvariantCulture),
        "uimm20" => string.Create(CultureInfo.InvariantCulture, $"0x{(instruction.Imm >> 12) & 0xFFFFF:x}"),
        "shamt" => string.Create(CultureInfo.InvariantCulture, $"0x{instruction.Imm:x}"),
        "mem" => string.Create(CultureInfo.InvariantCulture, $"{instruction.Imm}({IntegerNames[instruction.Rs1]})"),
        "amo" => $"({IntegerNames[instruction.Rs1]})",
        "target" => string.Create(CultureInfo.InvariantCulture, $"0x{pc + (ulong)instruction.Imm:x}"),
        "csr" => CsrName(instruction.Csr),
        "rm" => instruction.Rm == RoundingMode.Dynamic ? "" : RoundingNames[(int)instruction.Rm],
        "pred" => FenceSet((int)(instruction.Imm >> 4) & 0xF),
        "succ" => FenceSet((int)instruction.Imm & 0xF),
        _ => throw new InvalidOperationException($"Unknown operand kind '{operand}'."),
    };

    private static string FenceSet(int set)
    {
        var text = (set & 8) != 0 ? "i" : "";
        text += (set & 4) != 0 ? "o" : "";
        text += (set & 2) != 0 ? "r" : "";
        text += (set & 1) != 0 ? "w" : "";
        return text.Length == 0 ? "0" : text;
    }

    private static string[] BuildMnemonics() =>
        [.. Enum.GetNames<Opcode>().Select(name => string.Join('.', WordPattern().Matches(name)
            .Select(m => m.Value.ToLowerInvariant())))];

    [GeneratedRegex("[A-Z][a-z]*")]
    private static partial Regex WordPattern();
}
