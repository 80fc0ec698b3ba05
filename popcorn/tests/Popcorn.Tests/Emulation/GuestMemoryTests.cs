using Popcorn.Emulation;

namespace Popcorn.Tests.Emulation;

public sealed class GuestMemoryTests
{
    private const ulong Base = 0x10000;

    [Fact]
    public void Values_of_every_width_round_trip_at_every_alignment_across_a_page_boundary()
    {
        using var memory = new GuestMemory();
        memory.Space.Map(Base, 2 * AddressSpace.PageSize, PagePermissions.ReadWrite);
        for (var at = Base + AddressSpace.PageSize - 9; at < Base + AddressSpace.PageSize + 1; at++)
        {
            memory.Write64(at, 0x0123_4567_89AB_CDEF);
            Assert.Equal(0x0123_4567_89AB_CDEFUL, memory.Read64(at));
            Assert.Equal(0x89AB_CDEFU, memory.Read32(at));
            Assert.Equal((ushort)0xCDEF, memory.Read16(at));
            Assert.Equal((byte)0xEF, memory.Read8(at));
            memory.Write32(at, 0xDEAD_BEEF);
            memory.Write16(at + 4, 0x1234);
            memory.Write8(at + 6, 0x56);
            Assert.Equal(0x0056_1234_DEAD_BEEFUL, memory.Read64(at) & 0x00FF_FFFF_FFFF_FFFF);
        }
    }

    [Fact]
    public void Unmapped_and_forbidden_accesses_fault_with_the_address_and_change_nothing()
    {
        using var memory = new GuestMemory();
        memory.Space.Map(Base, AddressSpace.PageSize, PagePermissions.Read);
        Assert.Equal(0UL, memory.Read64(Base));
        var write = Assert.Throws<GuestFaultException>(() => memory.Write32(Base + 8, 1));
        Assert.Equal(Base + 8, write.Address);
        Assert.Equal(MemoryAccess.Write, write.Access);
        var read = Assert.Throws<GuestFaultException>(() => memory.Read64(Base + AddressSpace.PageSize - 4));
        Assert.Equal(Base + AddressSpace.PageSize, read.Address);
        Assert.Throws<GuestFaultException>(() => memory.Fetch32(Base));
        Assert.True(memory.Space.Protect(Base, AddressSpace.PageSize, PagePermissions.ReadWrite));
        memory.Write32(Base + 8, 7);
        Assert.Equal(7U, memory.Read32(Base + 8));
        memory.Space.Unmap(Base, AddressSpace.PageSize);
        Assert.Throws<GuestFaultException>(() => memory.Read8(Base + 8));
    }

    [Fact]
    public void The_program_break_and_anonymous_mappings_stay_apart()
    {
        using var memory = new GuestMemory();
        memory.Space.InitializeProgramBreak(0x40_1234);
        var start = memory.Space.ProgramBreak;
        Assert.Equal(0x40_2000UL, start);
        Assert.Equal(start + 100_000, memory.Space.SetProgramBreak(start + 100_000));
        memory.Write8(start + 99_999, 1);
        Assert.Equal(start, memory.Space.SetProgramBreak(start));
        Assert.Throws<GuestFaultException>(() => memory.Read8(start + 99_999));
        var a = memory.Space.MapAnywhere(1 << 20, PagePermissions.ReadWrite);
        var b = memory.Space.MapAnywhere(3 * AddressSpace.PageSize, PagePermissions.ReadWrite);
        Assert.NotNull(a);
        Assert.NotNull(b);
        Assert.True(b + (3 * AddressSpace.PageSize) <= a || a + (1 << 20) <= b);
        memory.Write64(a.Value + (1 << 20) - 8, 42);
        Assert.Equal(42UL, memory.Read64(a.Value + (1 << 20) - 8));
    }

    [Fact]
    public void A_store_to_a_decoded_page_invalidates_it_in_every_node()
    {
        using var space = new AddressSpace();
        using var riscv = new GuestMemory(space, Isa.RiscV64);
        using var arm = new GuestMemory(space, Isa.Aarch64);
        var cache = new RecordingCache();
        riscv.RegisterCodeCache(cache);
        space.Map(Base, AddressSpace.PageSize, PagePermissions.ReadWrite | PagePermissions.Execute);
        Assert.Equal(0U, riscv.Fetch32(Base));
        riscv.MarkCode(Base);
        var generation = riscv.CodeGeneration;
        arm.Write32(Base + 64, 0x13);
        Assert.Equal(new ulong[] { Base }, cache.Invalidated);
        Assert.True(riscv.CodeGeneration > generation);
        Assert.Equal(0x13U, riscv.Fetch32(Base + 64));
    }

    [Fact]
    public void A_region_private_to_a_node_hides_the_shared_one_from_that_node_only()
    {
        using var space = new AddressSpace();
        using var riscv = new GuestMemory(space, Isa.RiscV64);
        using var arm = new GuestMemory(space, Isa.Aarch64);
        space.Map(Base, AddressSpace.PageSize, PagePermissions.ReadWrite);
        space.Map(Base, AddressSpace.PageSize, PagePermissions.ReadExecute, Isa.RiscV64);
        arm.Write32(Base, 0xAAAA);
        riscv.WriteInitial(Base, [0x13, 0, 0, 0]);
        Assert.Equal(0xAAAAU, arm.Read32(Base));
        Assert.Equal(0x13U, riscv.Read32(Base));
        Assert.Throws<GuestFaultException>(() => riscv.Write8(Base, 1));
    }

    private sealed class RecordingCache : ICodeCache
    {
        public List<ulong> Invalidated { get; } = [];

        public void InvalidatePage(ulong pageAddress) => Invalidated.Add(pageAddress);
    }
}
