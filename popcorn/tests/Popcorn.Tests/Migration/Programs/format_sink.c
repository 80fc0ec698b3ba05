/* Migrates inside the runtime's printf engine: __pc_format (what printf, snprintf and dprintf call) writes to a
   sink whose callback is user code that migrates, so __pc_format's frame, with its conversion buffers and
   pointers into them, moves between the ISAs in the middle of a conversion list. The va_list is built by hand
   (no variadic frame below, which would refuse the migration): with both register offsets 0 every argument comes
   from __stack in 8-byte slots, on both ISAs. */
#include <popcorn.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct __pc_sink {
    void (*put)(struct __pc_sink *sink, const char *text, size_t length);
    size_t count;
};
int __pc_format(struct __pc_sink *sink, const char *format, va_list args);

struct text_sink {
    struct __pc_sink base;
    char text[1024];
    size_t used;
};

static void put_and_migrate(struct __pc_sink *sink, const char *text, size_t length)
{
    struct text_sink *t = (struct text_sink *)sink;
    if (t->used + length < sizeof t->text) {
        memcpy(t->text + t->used, text, length);
        t->used += length;
    }
    migrate(1 - current_nid(), 0, 0);
}

static unsigned long bits(double value)
{
    unsigned long word;
    memcpy(&word, &value, sizeof word);
    return word;
}

/* Formats the arguments in slots through a sink that migrates at every write; prints and returns the count. */
static int format_slots(const char *format, unsigned long *slots)
{
    va_list args;
    args.__stack = slots;
    args.__gr_top = 0;
    args.__vr_top = 0;
    args.__gr_offs = 0;
    args.__vr_offs = 0;
    struct text_sink sink = {{put_and_migrate, 0}, {0}, 0};
    int n = __pc_format(&sink.base, format, args);
    sink.text[sink.used] = '\0';
    printf("%d %s\n", n, sink.text);
    return n;
}

static int format_round(int round)
{
    unsigned long slots[12];
    const char *names[3] = {"alpha", "beta", "gamma"};
    slots[0] = (unsigned long)(long)(round * 37 - 500);
    slots[1] = (unsigned long)names[round % 3];
    slots[2] = bits(3.14159265358979 * (round + 1));
    slots[3] = bits(-2.5e-7 / (round + 1));
    slots[4] = (unsigned long)(0xBEEF00UL + (unsigned long)round);
    slots[5] = (unsigned long)('a' + round % 26);
    slots[6] = bits(12345.678 + round);
    slots[7] = (unsigned long)(long)-round;
    slots[8] = 7;
    slots[9] = (unsigned long)(long)(round * round * 1000003L);
    return format_slots("[%5d|%-6s|%.4f|%e|%#x|%c|%10.2f|%+d|%*ld]", slots);
}

/* Long doubles take 16-byte slots, 16-aligned, on both ISAs; their conversions run in a frame of their own with
   the large digit buffers a binary128 value needs. */
static int format_long_doubles(void)
{
    _Alignas(16) unsigned long slots[8];
    long double third = 1.0L / 3, tiny = -2.5e-40L, big = 12345.678L;
    memcpy(&slots[0], &third, sizeof third);
    memcpy(&slots[2], &big, sizeof big);
    memcpy(&slots[4], &tiny, sizeof tiny);
    return format_slots("[%.30Lf|%-30.20Le|%La]", slots);
}

int main(void)
{
    int total = 0;
    for (int round = 0; round < 6; round++)
        total += format_round(round);
    total += format_long_doubles();
    printf("total %d\n", total);
    return 0;
}
