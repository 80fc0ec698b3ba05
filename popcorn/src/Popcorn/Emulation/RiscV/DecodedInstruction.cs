using System.Runtime.InteropServices;
using Systems.RiscV;

namespace Popcorn.Emulation.RiscV;

/// <summary>
/// One pre-decoded instruction in a page's cache: 16 bytes, one per 2-byte slot of the page. A slot whose
/// <see cref="Code"/> is <see cref="Opcode.Illegal"/> (0, the default) has not been decoded yet; an encoding the
/// decoder rejects is stored as <see cref="Undefined"/>. Integer destinations x0 are rewritten to the sink register.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct DecodedInstruction
{
    /// <summary>The code of an encoding that decodes to nothing (kept apart from the "not yet decoded" zero).</summary>
    public const ushort Undefined = 0xFFFF;

    public ushort Code;
    public byte Rd;
    public byte Rs1;
    public byte Rs2;
    public byte Rs3;
    public byte Length;
    public byte Rm;
    /// <summary>The immediate; for CSR instructions the CSR number in bits 0–11 and the 5-bit immediate in bits 16–20.</summary>
    public long Imm;

    public static DecodedInstruction From(in Instruction i)
    {
        if (!i.IsLegal)
        {
            return new DecodedInstruction { Code = Undefined, Length = i.Length == 0 ? (byte)4 : i.Length, Imm = i.Bits };
        }
        var rd = i.Rd == 0 && !WritesFloatRegister(i.Opcode) ? (byte)RiscVState.Sink : i.Rd;
        var imm = i.Opcode is Opcode.Csrrw or Opcode.Csrrs or Opcode.Csrrc or Opcode.Csrrwi or Opcode.Csrrsi or Opcode.Csrrci
            ? i.Csr | ((i.Imm & 0x1F) << 16)
            : i.Imm;
        return new DecodedInstruction
        {
            Code = (ushort)i.Opcode,
            Rd = rd,
            Rs1 = i.Rs1,
            Rs2 = i.Rs2,
            Rs3 = i.Rs3,
            Length = i.Length,
            Rm = (byte)i.Rm,
            Imm = imm,
        };
    }

    private static bool WritesFloatRegister(Opcode op) => op switch
    {
        Opcode.Flw or Opcode.Fld => true,
        >= Opcode.FmaddS and <= Opcode.FmaxS => true,
        Opcode.FcvtSW or Opcode.FcvtSWu or Opcode.FmvWX or Opcode.FcvtSL or Opcode.FcvtSLu => true,
        >= Opcode.FmaddD and <= Opcode.FmaxD => true,
        Opcode.FcvtSD or Opcode.FcvtDS or Opcode.FcvtDW or Opcode.FcvtDWu or Opcode.FcvtDL or Opcode.FcvtDLu or Opcode.FmvDX => true,
        _ => false,
    };
}
