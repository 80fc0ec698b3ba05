using Popcorn.Emulation;
using Popcorn.Migration;

namespace Popcorn.Tests.Migration;

/// <summary>
/// The machine-level safety net under the stack maps: the registers the code after a call reads before writing
/// them, from a data-flow pass over the function's machine code (encodings from llvm-mc-19).
/// </summary>
public sealed class MachineLivenessTests
{
    // addi sp,sp,-16; sd ra,8(sp); sd s1,0(sp); jal ra,.; <after>; ld s1,0(sp); ld ra,8(sp); addi sp,sp,16; ret
    private static byte[] RiscV(params byte[] after) =>
    [
        0x13, 0x01, 0x01, 0xff, 0x23, 0x34, 0x11, 0x00, 0x23, 0x30, 0x91, 0x00, 0xef, 0x00, 0x00, 0x00, .. after,
        0x83, 0x34, 0x01, 0x00, 0x83, 0x30, 0x81, 0x00, 0x13, 0x01, 0x01, 0x01, 0x67, 0x80, 0x00, 0x00,
    ];

    // stp x29,x30,[sp,#-32]!; str x19,[sp,#16]; bl .; <after>; ldr x19,[sp,#16]; ldp x29,x30,[sp],#32; ret
    private static byte[] A64(params byte[] after) =>
    [
        0xfd, 0x7b, 0xbe, 0xa9, 0xf3, 0x0b, 0x00, 0xf9, 0x00, 0x00, 0x00, 0x94, .. after,
        0xf3, 0x0b, 0x40, 0xf9, 0xfd, 0x7b, 0xc2, 0xa8, 0xc0, 0x03, 0x5f, 0xd6,
    ];

    private static readonly byte[] RiscVAddS1 = [0x33, 0x05, 0x95, 0x00];      // add a0, a0, s1
    private static readonly byte[] RiscVSetS1 = [0x93, 0x04, 0x50, 0x00];      // li s1, 5
    private static readonly byte[] A64AddX19 = [0x00, 0x00, 0x13, 0x8b];       // add x0, x0, x19
    private static readonly byte[] A64SetX19 = [0xb3, 0x00, 0x80, 0xd2];       // mov x19, #5

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_callee_saved_register_read_after_a_call_is_live_there_unless_written_first(bool readFirst)
    {
        const ulong start = 0x1000;
        var riscv = MachineCode.LiveAtReturnAddresses(Isa.RiscV64, readFirst ? RiscV(RiscVAddS1) : RiscV([.. RiscVSetS1, .. RiscVAddS1]), start, [start + 16]);
        var a64 = MachineCode.LiveAtReturnAddresses(Isa.Aarch64, readFirst ? A64(A64AddX19) : A64([.. A64SetX19, .. A64AddX19]), start, [start + 12]);
        Assert.Equal(readFirst, IsLive(riscv[start + 16], 9));    // s1
        Assert.Equal(readFirst, IsLive(a64[start + 12], 19));     // x19
        // The return value is live either way; a caller-saved register the call clobbered is not.
        Assert.True(IsLive(riscv[start + 16], 10));
        Assert.True(IsLive(a64[start + 12], 0));
        Assert.False(IsLive(riscv[start + 16], 11));
    }

    [Fact]
    public void A_value_live_in_a_loop_around_the_call_is_live_at_its_return_address()
    {
        // riscv: call; addi s1, s1, -1 (s1 read and written); bnez s1, back to the call; then the epilogue.
        byte[] body = [0x93, 0x84, 0xf4, 0xff, 0xe3, 0x9c, 0x04, 0xfe];
        const ulong start = 0x2000;
        var live = MachineCode.LiveAtReturnAddresses(Isa.RiscV64, RiscV(body), start, [start + 16]);
        Assert.True(IsLive(live[start + 16], 9));
    }

    private static bool IsLive(UInt128 set, int register) => (set & (UInt128.One << register)) != 0;
}
