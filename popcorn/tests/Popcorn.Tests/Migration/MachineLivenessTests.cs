using Popcorn.Emulation;
using Popcorn.Migration;
using Popcorn.Toolchain;

namespace Popcorn.Tests.Migration;

/// <summary>
/// The machine-level safety net under the stack maps: the registers and stack slots the code after a call reads
/// before writing them, from a data-flow pass over the function's machine code (encodings from llvm-mc-19).
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
        var riscv = MachineCode.LiveAtReturnAddresses(Isa.RiscV64, readFirst ? RiscV(RiscVAddS1) : RiscV([.. RiscVSetS1, .. RiscVAddS1]), start, [start + 16]).Registers;
        var a64 = MachineCode.LiveAtReturnAddresses(Isa.Aarch64, readFirst ? A64(A64AddX19) : A64([.. A64SetX19, .. A64AddX19]), start, [start + 12]).Registers;
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
        var live = MachineCode.LiveAtReturnAddresses(Isa.RiscV64, RiscV(body), start, [start + 16]).Registers;
        Assert.True(IsLive(live[start + 16], 9));
    }

    // addi sp,sp,-32; sd ra,24(sp); sd a0,8(sp); jal ra,.; <after>; ld ra,24(sp); addi sp,sp,32; ret
    private static byte[] RiscVSpill(params byte[] after) =>
    [
        0x13, 0x01, 0x01, 0xfe, 0x23, 0x3c, 0x11, 0x00, 0x23, 0x34, 0xa1, 0x00, 0xef, 0x00, 0x00, 0x00, .. after,
        0x83, 0x30, 0x81, 0x01, 0x13, 0x01, 0x01, 0x02, 0x67, 0x80, 0x00, 0x00,
    ];

    private static readonly byte[] RiscVReload = [0x83, 0x35, 0x81, 0x00, 0x33, 0x05, 0xb5, 0x00];   // ld a1, 8(sp); add a0, a0, a1
    private static readonly byte[] RiscVStoreThenLoad = [0x23, 0x34, 0xa1, 0x00, 0x03, 0x36, 0x81, 0x00];   // sd a0, 8(sp); ld a2, 8(sp)

    /// <summary>CFA = sp + 32, ra saved at CFA - 8.</summary>
    private static readonly FrameRule RiscVFrame = new(2, 32, new Dictionary<int, long> { [1] = -8 });

    [Fact]
    public void A_spill_slot_reloaded_after_a_call_is_refused_unless_a_stack_map_records_it()
    {
        const ulong start = 0x3000;
        var liveness = MachineCode.LiveAtReturnAddresses(Isa.RiscV64, RiscVSpill(RiscVReload), start, [start + 16]);
        var slots = liveness.Slots[start + 16];
        // The reload and the epilogue's restore of ra.
        Assert.Equal([new FrameSlot(2, 8, 8), new FrameSlot(2, 24, 8)], slots);

        var problem = MachineCode.UnrecordedLiveSlots(Isa.RiscV64, slots, liveness.Stored, RiscVFrame, 32, null, []);
        Assert.NotNull(problem);
        Assert.Contains("[sp+8] (8 bytes)", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("[sp+24]", problem, StringComparison.Ordinal);   // ra's save slot: the transformer fills it

        LiveValue[] recorded = [new(LiveValueKind.Integer, 8, new StackMapLocation(LocationType.Indirect, 8, 2, 8))];
        Assert.Null(MachineCode.UnrecordedLiveSlots(Isa.RiscV64, slots, liveness.Stored, RiscVFrame, 32, null, recorded));
        // A 4-byte record does not carry the upper half of an 8-byte reload.
        LiveValue[] half = [new(LiveValueKind.Integer, 4, new StackMapLocation(LocationType.Indirect, 4, 2, 8))];
        Assert.NotNull(MachineCode.UnrecordedLiveSlots(Isa.RiscV64, slots, liveness.Stored, RiscVFrame, 32, null, half));
    }

    [Fact]
    public void A_slot_written_after_the_call_before_it_is_read_is_not_live()
    {
        const ulong start = 0x3000;
        var liveness = MachineCode.LiveAtReturnAddresses(Isa.RiscV64, RiscVSpill(RiscVStoreThenLoad), start, [start + 16]);
        var slots = liveness.Slots[start + 16];
        Assert.Equal([new FrameSlot(2, 24, 8)], slots);
        Assert.Null(MachineCode.UnrecordedLiveSlots(Isa.RiscV64, slots, liveness.Stored, RiscVFrame, 32, null, []));
    }

    [Fact]
    public void Two_stores_that_each_fill_half_of_a_later_pair_load_end_its_liveness()
    {
        // aarch64 long double arithmetic: str q0,[sp]; bl .; str q0,[sp,#16]; ldp q0,q1,[sp]; then ret.
        byte[] code = [0xe0, 0x03, 0x80, 0x3d, 0x00, 0x00, 0x00, 0x94, 0xe0, 0x07, 0x80, 0x3d, 0xe0, 0x07, 0x40, 0xad, 0xc0, 0x03, 0x5f, 0xd6];
        const ulong start = 0x5000;
        // After the call only [sp] is read before being written: the half the store before the call filled.
        Assert.Equal([new FrameSlot(31, 0, 16)], MachineCode.LiveAtReturnAddresses(Isa.Aarch64, code, start, [start + 8]).Slots[start + 8]);
    }

    [Fact]
    public void Aarch64_slots_through_the_frame_pointer_are_covered_by_a_recorded_allocation()
    {
        // sub sp,sp,#48; stp x29,x30,[sp,#32]; add x29,sp,#32; str x0,[sp,#8]; bl .;
        // ldr x1,[sp,#8]; ldur x2,[x29,#-8]; add x0,x0,x1; ldp x29,x30,[sp,#32]; add sp,sp,#48; ret
        byte[] code =
        [
            0xff, 0xc3, 0x00, 0xd1, 0xfd, 0x7b, 0x02, 0xa9, 0xfd, 0x83, 0x00, 0x91, 0xe0, 0x07, 0x00, 0xf9, 0x00, 0x00, 0x00, 0x94,
            0xe1, 0x07, 0x40, 0xf9, 0xa2, 0x83, 0x5f, 0xf8, 0x00, 0x00, 0x01, 0x8b, 0xfd, 0x7b, 0x42, 0xa9, 0xff, 0xc3, 0x00, 0x91,
            0xc0, 0x03, 0x5f, 0xd6,
        ];
        const ulong start = 0x4000;
        var liveness = MachineCode.LiveAtReturnAddresses(Isa.Aarch64, code, start, [start + 20]);
        var slots = liveness.Slots[start + 20];
        Assert.Equal([new FrameSlot(29, -8, 8), new FrameSlot(31, 8, 8), new FrameSlot(31, 32, 8), new FrameSlot(31, 40, 8)], slots);
        // CFA = x29 + 16, frame 48 bytes: fp is 32 above sp; x29 and x30 saved at CFA - 16 and CFA - 8.
        var frame = new FrameRule(29, 16, new Dictionary<int, long> { [29] = -16, [30] = -8 });
        LiveValue[] local = [new(LiveValueKind.Alloca, 16, new StackMapLocation(LocationType.Direct, 8, 31, 16))];
        var problem = MachineCode.UnrecordedLiveSlots(Isa.Aarch64, slots, liveness.Stored, frame, 48, 32, local);
        Assert.Equal("the code after the call reads the stack slot [sp+8] (8 bytes), which no stack map records (a value the backend keeps across the call outside the IR)", problem);
        LiveValue[] both = [.. local, new(LiveValueKind.Pointer, 8, new StackMapLocation(LocationType.Indirect, 8, 29, -24))];
        Assert.Null(MachineCode.UnrecordedLiveSlots(Isa.Aarch64, slots, liveness.Stored, frame, 48, 32, both));
        // No instruction of the function stores to [x29-8]: a callee fills it through its address (riscv64's hidden
        // slot for a returned aggregate), so it needs no record of its own.
        Assert.DoesNotContain("x29", MachineCode.UnrecordedLiveSlots(Isa.Aarch64, slots, liveness.Stored, frame, 48, 32, []), StringComparison.Ordinal);
    }

    [Fact]
    public void A_general_register_move_between_a_call_and_its_stack_map_leaves_a_float_register_alone()
    {
        // strings' main on aarch64: `bl strtol; mov x8, x0` then the stack map records d8 (DWARF 72).
        var d8 = new StackMapLocation(LocationType.Register, 8, 72, 0);
        Assert.Equal(d8, MachineCode.TranslateBack(Isa.Aarch64, [0xe8, 0x03, 0x00, 0xaa], d8));
        Assert.Null(MachineCode.TranslateBack(Isa.Aarch64, [0x08, 0x29, 0x60, 0x1e], d8));                       // fadd d8, d8, d0
        Assert.Equal(d8 with { Register = 65 }, MachineCode.TranslateBack(Isa.Aarch64, [0x28, 0x40, 0x60, 0x1e], d8));   // fmov d8, d1
    }

    [Fact]
    public void Riscv_slots_read_through_a_large_frame_base_register_or_above_the_cfa_are_named()
    {
        // addi sp,sp,-32; sd ra,24(sp); lui a0,3; add a0,a0,sp; sd a1,-16(a0); lwu s1,0(a2); jal ra,.;
        // lui a0,3; add a0,a0,sp; ld a1,-16(a0); ld a2,0(s0); add a0,a1,a2; add a0,a0,s1; ld ra,24(sp); addi sp,sp,32; ret
        byte[] code =
        [
            0x01, 0x11, 0x06, 0xec, 0x0d, 0x65, 0x0a, 0x95, 0x23, 0x38, 0xb5, 0xfe, 0x83, 0x64, 0x06, 0x00, 0xef, 0x00, 0x00, 0x00,
            0x0d, 0x65, 0x0a, 0x95, 0x83, 0x35, 0x05, 0xff, 0x10, 0x60, 0x33, 0x85, 0xc5, 0x00, 0x26, 0x95, 0xe2, 0x60, 0x05, 0x61, 0x82, 0x80,
        ];
        const ulong start = 0x6000;
        var liveness = MachineCode.LiveAtReturnAddresses(Isa.RiscV64, code, start, [start + 20]);
        var slots = liveness.Slots[start + 20];
        Assert.Contains(new FrameSlot(2, 0x3000 - 16, 8), slots);   // through a0 = sp + 0x3000
        Assert.Contains(new FrameSlot(8, 0, 8), slots);             // the first stack argument, at the CFA
        // A 0x3020-byte frame whose CFA is s0: fp is 0x3020 above sp.
        var frame = new FrameRule(8, 0, new Dictionary<int, long> { [1] = 24 - 0x3020 });   // ra saved at sp + 24
        var problem = MachineCode.UnrecordedLiveSlots(Isa.RiscV64, slots, liveness.Stored, frame, 0x3020, 0x3020, []);
        Assert.Contains("[sp+12272] (8 bytes)", problem, StringComparison.Ordinal);
        Assert.Contains("[s0+0] (8 bytes, incoming argument at CFA+0)", problem, StringComparison.Ordinal);
        LiveValue[] recorded = [new(LiveValueKind.Integer, 8, new StackMapLocation(LocationType.Indirect, 8, 2, 0x3000 - 16))];
        Assert.DoesNotContain("[sp+", MachineCode.UnrecordedLiveSlots(Isa.RiscV64, slots, liveness.Stored, frame, 0x3020, 0x3020, recorded), StringComparison.Ordinal);
        // s1 was loaded with lwu: its 32-bit value is held zero-extended across the call.
        var widths = MachineCode.Forward(Isa.RiscV64, code, start).AfterCall[start + 20].Registers[9];
        Assert.Equal(IntegerExtension.Zero, widths.ExtensionOf());
    }

    [Fact]
    public void Aarch64_slots_read_through_a_large_frame_base_register_are_named()
    {
        // stp x29,x30,[sp,#-32]!; mov x29,sp; add x8,sp,#1,lsl #12; str x0,[x8,#16]; ldrsw x19,[x1]; bl .;
        // add x8,sp,#1,lsl #12; ldr x1,[x8,#16]; add x0,x1,x19; ldp x29,x30,[sp],#32; ret
        byte[] code =
        [
            0xfd, 0x7b, 0xbe, 0xa9, 0xfd, 0x03, 0x00, 0x91, 0xe8, 0x07, 0x40, 0x91, 0x00, 0x09, 0x00, 0xf9, 0x33, 0x00, 0x80, 0xb9, 0x00, 0x00, 0x00, 0x94,
            0xe8, 0x07, 0x40, 0x91, 0x01, 0x09, 0x40, 0xf9, 0x00, 0x00, 0x13, 0x8b, 0xfd, 0x7b, 0xc2, 0xa8, 0xc0, 0x03, 0x5f, 0xd6,
        ];
        const ulong start = 0x7000;
        var liveness = MachineCode.LiveAtReturnAddresses(Isa.Aarch64, code, start, [start + 24]);
        var slots = liveness.Slots[start + 24];
        Assert.Contains(new FrameSlot(31, 4096 + 16, 8), slots);
        var frame = new FrameRule(31, 0x1020, new Dictionary<int, long> { [29] = -0x1020, [30] = -0x1018 });
        Assert.Equal("the code after the call reads the stack slot [sp+4112] (8 bytes), which no stack map records (a value the backend keeps across the call outside the IR)",
            MachineCode.UnrecordedLiveSlots(Isa.Aarch64, slots, liveness.Stored, frame, 0x1020, null, []));
        // x19 was loaded with ldrsw: its 32-bit value is held sign-extended across the call.
        Assert.Equal(IntegerExtension.Sign, MachineCode.Forward(Isa.Aarch64, code, start).AfterCall[start + 24].Registers[19].ExtensionOf());
    }

    [Fact]
    public void A_narrow_integer_recorded_through_fp_and_reloaded_whole_through_sp_is_widened_and_carried()
    {
        // npb_cg's main at -O1 on aarch64: n = atoi(...) spilled with an 8-byte store, recorded as 4 bytes at
        // [x29-32], reloaded after the next calls as 8 bytes through sp, alone and as one register of a load pair.
        // sub sp,sp,#48; stp x29,x30,[sp,#32]; add x29,sp,#32; bl .; str x0,[sp]; str x1,[sp,#8]; bl .;
        // ldp x10,x8,[sp]; ldr x9,[sp]; add w0,w9,w10; ldr x0,[x8]; ldp x29,x30,[sp,#32]; add sp,sp,#48; ret
        byte[] code =
        [
            0xff, 0xc3, 0x00, 0xd1, 0xfd, 0x7b, 0x02, 0xa9, 0xfd, 0x83, 0x00, 0x91, 0x00, 0x00, 0x00, 0x94, 0xe0, 0x03, 0x00, 0xf9,
            0xe1, 0x07, 0x00, 0xf9, 0x00, 0x00, 0x00, 0x94, 0xea, 0x23, 0x40, 0xa9, 0xe9, 0x03, 0x40, 0xf9, 0x20, 0x01, 0x0a, 0x0b,
            0x00, 0x01, 0x40, 0xf9, 0xfd, 0x7b, 0x42, 0xa9, 0xff, 0xc3, 0x00, 0x91, 0xc0, 0x03, 0x5f, 0xd6,
        ];
        const ulong start = 0x8000;
        var liveness = MachineCode.LiveAtReturnAddresses(Isa.Aarch64, code, start, [start + 28]);
        var slots = liveness.Slots[start + 28];
        // The load pair reads two slots, one per register.
        Assert.Equal([new FrameSlot(31, 0, 8), new FrameSlot(31, 8, 8), new FrameSlot(31, 32, 8), new FrameSlot(31, 40, 8)], slots);
        var frame = new FrameRule(29, 16, new Dictionary<int, long> { [29] = -16, [30] = -8 });
        List<LiveValue> values =
        [
            new(LiveValueKind.Integer, 4, new StackMapLocation(LocationType.Indirect, 4, 29, -32)),
            new(LiveValueKind.Pointer, 8, new StackMapLocation(LocationType.Indirect, 8, 29, -24)),
        ];
        // As recorded, the upper half of n's slot is read and carried by nothing.
        Assert.Equal("the code after the call reads the stack slot [sp+0] (8 bytes), which no stack map records (a value the backend keeps across the call outside the IR)",
            MachineCode.UnrecordedLiveSlots(Isa.Aarch64, slots, liveness.Stored, frame, 48, 32, values));
        CallSiteTable.WidenReloadedSlots(Isa.Aarch64, values, slots, 32);
        Assert.Equal(8, values[0].Location.Size);
        Assert.Equal(8, values[1].Location.Size);
        Assert.Null(MachineCode.UnrecordedLiveSlots(Isa.Aarch64, slots, liveness.Stored, frame, 48, 32, values));
        // Another recorded value in the upper half: two 4-byte values share the 8 bytes, neither is widened, and the
        // pair of them carries the whole slot.
        List<LiveValue> halves =
        [
            new(LiveValueKind.Integer, 4, new StackMapLocation(LocationType.Indirect, 4, 29, -32)),
            new(LiveValueKind.Integer, 4, new StackMapLocation(LocationType.Indirect, 4, 31, 4)),
        ];
        CallSiteTable.WidenReloadedSlots(Isa.Aarch64, halves, slots, 32);
        Assert.All(halves, value => Assert.Equal(4, value.Location.Size));
    }

    /// <summary>threads' consumer at -O1: "the queue was empty" kept in a callee-saved register and tested before
    /// and after the unlock call; the dequeued value (x20, s1) is read only when the queue was not empty, just after
    /// it was loaded. Merging the paths makes it look live at the loop's first call; no path the branches allow reads
    /// it there. At the unlock call it is live (the value just loaded), and it stays live wherever the two tests
    /// could disagree: another bit tested, another register, or the tested register written in between.</summary>
    [Fact]
    public void A_register_read_only_where_an_earlier_branch_on_the_same_condition_went_the_other_way_is_not_live()
    {
        const ulong start = 0x9000;
        // stp x29,x30,[sp,#-32]!; stp x20,x19,[sp,#16]; mov x29,sp; bl .; loop: cset w19,eq; tbnz w19,#0,skip;
        // ldr x20,[x0]; skip: bl .; tbnz w19,#0,exit; mul x9,x20,x20; b loop; exit: ldp x20,x19,[sp,#16]; ldp x29,x30,[sp],#32; ret
        uint[] a64 = [0xa9be7bfd, 0xa9014ff4, 0x910003fd, 0x94000000, 0x1a9f17f3, 0x37000053, 0xf9400014, 0x94000000, 0x37000073, 0x9b147e89,
            0x17fffffa, 0xa9414ff4, 0xa8c27bfd, 0xd65f03c0];
        var liveness = MachineCode.LiveAtReturnAddresses(Isa.Aarch64, Words(a64), start, [start + 0x10, start + 0x20]);
        Assert.True(IsLive(liveness.Registers[start + 0x10], 20));
        Assert.False(liveness.MayRead(start + 0x10, 20));
        Assert.True(liveness.MayRead(start + 0x20, 20));
        uint[] otherBit = [.. a64[..8], 0x37080073, .. a64[9..]];                 // tbnz w19, #1, exit
        Assert.True(MachineCode.LiveAtReturnAddresses(Isa.Aarch64, Words(otherBit), start, [start + 0x10]).MayRead(start + 0x10, 20));
        uint[] rewritten = [.. a64[..7], 0x2a1f03f3, .. a64[8..]];                 // mov w19, wzr instead of the unlock call
        Assert.True(MachineCode.LiveAtReturnAddresses(Isa.Aarch64, Words(rewritten), start, [start + 0x10]).MayRead(start + 0x10, 20));

        // addi sp,sp,-32; sd ra,24(sp); sd s1,16(sp); sd s5,8(sp); jal ra,.; loop: seqz s5,a1; bnez s5,skip; ld s1,0(a0);
        // skip: jal ra,.; bnez s5,exit; mul a1,s1,s1; j loop; exit: ld s5,8(sp); ld s1,16(sp); ld ra,24(sp); addi sp,sp,32; ret
        byte[] riscv =
        [
            0x01, 0x11, 0x06, 0xec, 0x26, 0xe8, 0x56, 0xe4, 0xef, 0x00, 0x00, 0x00, 0x93, 0xba, 0x15, 0x00, 0x63, 0x93, 0x0a, 0x00, 0x04, 0x61,
            0xef, 0x00, 0x00, 0x00, 0x63, 0x95, 0x0a, 0x00, 0xb3, 0x85, 0x94, 0x02, 0xed, 0xb7, 0xa2, 0x6a, 0xc2, 0x64, 0xe2, 0x60, 0x05, 0x61, 0x82, 0x80,
        ];
        var rv = MachineCode.LiveAtReturnAddresses(Isa.RiscV64, riscv, start, [start + 0x0c, start + 0x1a]);
        Assert.True(IsLive(rv.Registers[start + 0x0c], 9));
        Assert.False(rv.MayRead(start + 0x0c, 9));
        Assert.True(rv.MayRead(start + 0x1a, 9));
        byte[] otherRegister = [.. riscv[..26], 0x63, 0x15, 0x0a, 0x00, .. riscv[30..]];    // bnez s4, exit
        Assert.True(MachineCode.LiveAtReturnAddresses(Isa.RiscV64, otherRegister, start, [start + 0x0c]).MayRead(start + 0x0c, 9));
    }

    private static byte[] Words(uint[] words) => [.. words.SelectMany(BitConverter.GetBytes)];

    private static bool IsLive(UInt128 set, int register) => (set & (UInt128.One << register)) != 0;
}
