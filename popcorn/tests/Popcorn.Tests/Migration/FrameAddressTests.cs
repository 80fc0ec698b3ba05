using System.Buffers.Binary;
using Popcorn.Emulation;
using Popcorn.Migration;

namespace Popcorn.Tests.Migration;

/// <summary>
/// The base registers LLVM gives large frames (callee-saved registers pointing into the frame that no stack map
/// records) are found at every call they survive, and only where every path agrees on them.
/// </summary>
public sealed class FrameAddressTests
{
    private const ulong Start = 0x400000;

    [Fact]
    public void An_aarch64_base_register_set_from_sp_holds_at_the_calls_after_it()
    {
        var code = Words(
            0x910243F5, // add x21, sp, #0x90
            0x94000010, // bl somewhere
            0xD503201F, // nop
            0x94000010); // bl somewhere
        var found = MachineCode.FrameAddressesAtCalls(Isa.Aarch64, code, Start);
        Assert.Equal([new FrameAddress(21, 31, 0x90)], found[Start + 8]);
        Assert.Equal([new FrameAddress(21, 31, 0x90)], found[Start + 16]);
    }

    [Fact]
    public void A_riscv_base_register_built_in_two_steps_from_the_frame_pointer_is_one_address()
    {
        var code = Words(
            0x80040993, // addi s3, s0, -2048
            0xF0098993, // addi s3, s3, -256
            0x008000EF); // jal ra, +8
        var found = MachineCode.FrameAddressesAtCalls(Isa.RiscV64, code, Start);
        Assert.Equal([new FrameAddress(19, 8, -2304)], found[Start + 12]);
    }

    [Fact]
    public void A_compressed_load_through_a_riscv_base_register_does_not_end_it()
    {
        var code = Words(
            0x80040493, // addi s1, s0, -2048
            0xF0048493); // addi s1, s1, -256
        code = [.. code, .. Halves(
            0x44C8, // c.lw a0, 12(s1): reads s1, writes a0
            0x8905)]; // c.andi a0, 1: writes a0
        code = [.. code, .. Words(0x008000EF)]; // jal ra, +8
        var found = MachineCode.FrameAddressesAtCalls(Isa.RiscV64, code, Start);
        Assert.Equal([new FrameAddress(9, 8, -2304)], found[Start + 16]);
    }

    [Fact]
    public void Branch_offsets_and_stored_registers_do_not_end_a_base_register()
    {
        // bl's offset field ends in 10011 (x19's number) and str names x19 as its source: neither writes x19.
        var code = Words(
            0xD10183B3, // sub x19, x29, #0x60
            0xF90007F3, // str x19, [sp, #8]
            0x94000013, // bl +0x4c
            0x94000010); // bl somewhere
        var found = MachineCode.FrameAddressesAtCalls(Isa.Aarch64, code, Start);
        Assert.Equal([new FrameAddress(19, 29, -0x60)], found[Start + 12]);
        Assert.Equal([new FrameAddress(19, 29, -0x60)], found[Start + 16]);
    }

    [Fact]
    public void A_register_that_differs_between_paths_is_not_claimed()
    {
        var code = Words(
            0x910243F5, // add x21, sp, #0x90
            0xB4000040, // cbz x0, +8 (skips the next instruction)
            0x910083F5, // add x21, sp, #0x20
            0x94000010, // bl somewhere: x21 is 0x90 or 0x20 above sp
            0x910083F3, // add x19, sp, #0x20
            0xAA0003F3, // mov x19, x0
            0x94000010); // bl somewhere: x19 holds an argument, not an address
        var found = MachineCode.FrameAddressesAtCalls(Isa.Aarch64, code, Start);
        Assert.Empty(found[Start + 16]);
        Assert.Empty(found[Start + 28]);
    }

    private static byte[] Halves(params ushort[] halves)
    {
        var bytes = new byte[halves.Length * 2];
        for (var i = 0; i < halves.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), halves[i]);
        }
        return bytes;
    }

    private static byte[] Words(params uint[] words)
    {
        var bytes = new byte[words.Length * 4];
        for (var i = 0; i < words.Length; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i * 4), words[i]);
        }
        return bytes;
    }
}
