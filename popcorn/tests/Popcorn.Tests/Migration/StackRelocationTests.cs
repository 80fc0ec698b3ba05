using Popcorn.Migration;

namespace Popcorn.Tests.Migration;

public sealed class StackRelocationTests
{
    [Fact]
    public void A_pointer_moves_with_the_allocation_holding_it_before_any_end_it_touches()
    {
        var relocation = new StackRelocation(
        [
            (0x1010, 0x10, 0x2010), (0x1040, 0, 0x2080), (0x1020, 0x8, 0x2030), (0x1030, 0x10, 0x2040), (0x1040, 0x20, 0x20A0),
        ]);
        Assert.Equal(0x2010UL, relocation.Map(0x1010));
        Assert.Equal(0x201FUL, relocation.Map(0x101F));
        Assert.Equal(0x2030UL, relocation.Map(0x1020));
        Assert.Equal(0x20A0UL, relocation.Map(0x1040));
        Assert.Equal(0x20A8UL, relocation.Map(0x1048));
        Assert.Equal(0x2038UL, relocation.Map(0x1028));
        Assert.Equal(0x20C0UL, relocation.Map(0x1060));
        Assert.Null(relocation.Map(0x1000));
        Assert.Null(relocation.Map(0x1070));
    }

    [Fact]
    public void Of_two_ends_at_one_address_the_first_in_frame_order_wins()
    {
        Assert.Equal(0x2050UL, new StackRelocation([(0x1030, 0x10, 0x2040), (0x1040, 0, 0x2080)]).Map(0x1040));
        Assert.Equal(0x2080UL, new StackRelocation([(0x1040, 0, 0x2080), (0x1030, 0x10, 0x2040)]).Map(0x1040));
    }

    [Fact]
    public void A_pointer_into_allocations_that_share_a_slot_moves_with_the_largest_holding_it()
    {
        // Stack coloring: a 1-byte, a 24-byte and a 900-byte allocation at one address, and one nested inside.
        var relocation = new StackRelocation(
        [
            (0x1000, 1, 0x5000), (0x1000, 24, 0x5000), (0x1000, 900, 0x5000), (0x1100, 8, 0x6000),
        ]);
        Assert.Equal(0x5000UL + 800, relocation.Map(0x1000 + 800));
        Assert.Equal(0x5010UL, relocation.Map(0x1010));
        Assert.Equal(0x5104UL, relocation.Map(0x1104));
        Assert.Null(relocation.Map(0x1000 + 901));
    }
}
