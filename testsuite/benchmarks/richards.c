// Richards: the Are We Fast Yet benchmark, the same algorithm as richards.bs (tasks call their
// function through a pointer with their data record; every object of an iteration is freed at
// its end).
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define ITERATIONS 120

enum { IDLER, WORKER, HANDLER_A, HANDLER_B, DEVICE_A, DEVICE_B, NUM_TYPES };
enum { DEVICE_PACKET_KIND, WORK_PACKET_KIND };
#define DATA_SIZE 4

typedef struct Packet {
    struct Packet *link;
    int32_t identity, kind, datum;
    int32_t *data;
} Packet;

typedef struct {
    int packetPending, taskWaiting, taskHolding;
} TaskState;

struct Scheduler;
typedef struct Tcb {
    TaskState state;
    struct Tcb *link;
    int32_t identity, priority;
    Packet *input;
    void *handle;
    struct Tcb *(*fn)(struct Scheduler *, Packet *, void *);
} Tcb;

typedef struct { Packet *pending; } DeviceRecord;
typedef struct { Packet *workIn, *deviceIn; } HandlerRecord;
typedef struct { int32_t control, count; } IdleRecord;
typedef struct { int32_t destination, count; } WorkerRecord;

typedef struct Scheduler {
    int32_t queuePacketCount, holdCount;
    Tcb **taskTable;
    Tcb *taskList, *currentTask;
    int32_t currentTaskIdentity;
} Scheduler;

static void *allocations[64];
static int allocationCount;

static void *alloc(size_t size) {
    void *p = calloc(1, size);
    allocations[allocationCount++] = p;
    return p;
}

static void freeAll(void) {
    while (allocationCount > 0) free(allocations[--allocationCount]);
}

static Packet *append(Packet *packet, Packet *queueHead) {
    packet->link = NULL;
    if (!queueHead) return packet;
    Packet *mouse = queueHead;
    Packet *link;
    while ((link = mouse->link)) mouse = link;
    mouse->link = packet;
    return queueHead;
}

static int isTaskHoldingOrWaiting(TaskState *s) {
    return s->taskHolding || (!s->packetPending && s->taskWaiting);
}

static int isWaitingWithPacket(TaskState *s) {
    return s->packetPending && s->taskWaiting && !s->taskHolding;
}

static Tcb *findTask(Scheduler *s, int32_t identity) {
    Tcb *t = s->taskTable[identity];
    if (!t) {
        printf("Richards: FAILED findTask\n");
        exit(1);
    }
    return t;
}

static Tcb *addInputAndCheckPriority(Tcb *t, Packet *packet, Tcb *oldTask) {
    if (!t->input) {
        t->input = packet;
        t->state.packetPending = 1;
        if (t->priority > oldTask->priority) return t;
    } else {
        t->input = append(packet, t->input);
    }
    return oldTask;
}

static Tcb *holdSelf(Scheduler *s) {
    s->holdCount += 1;
    s->currentTask->state.taskHolding = 1;
    return s->currentTask->link;
}

static Tcb *queuePacket(Scheduler *s, Packet *packet) {
    Tcb *t = findTask(s, packet->identity);
    s->queuePacketCount += 1;
    packet->link = NULL;
    packet->identity = s->currentTaskIdentity;
    return addInputAndCheckPriority(t, packet, s->currentTask);
}

static Tcb *release(Scheduler *s, int32_t identity) {
    Tcb *t = findTask(s, identity);
    t->state.taskHolding = 0;
    if (t->priority > s->currentTask->priority) return t;
    return s->currentTask;
}

static Tcb *markWaiting(Scheduler *s) {
    s->currentTask->state.taskWaiting = 1;
    return s->currentTask;
}

static Tcb *deviceFn(Scheduler *s, Packet *work, void *word) {
    DeviceRecord *data = word;
    if (!work) {
        Packet *functionWork = data->pending;
        if (functionWork) {
            data->pending = NULL;
            return queuePacket(s, functionWork);
        }
        return markWaiting(s);
    }
    data->pending = work;
    return holdSelf(s);
}

static Tcb *handlerFn(Scheduler *s, Packet *work, void *word) {
    HandlerRecord *data = word;
    if (work) {
        if (work->kind == WORK_PACKET_KIND) data->workIn = append(work, data->workIn);
        else data->deviceIn = append(work, data->deviceIn);
    }
    Packet *workPacket = data->workIn;
    if (workPacket) {
        int32_t count = workPacket->datum;
        if (count >= DATA_SIZE) {
            data->workIn = workPacket->link;
            return queuePacket(s, workPacket);
        }
        Packet *devicePacket = data->deviceIn;
        if (devicePacket) {
            data->deviceIn = devicePacket->link;
            devicePacket->datum = workPacket->data[count];
            workPacket->datum = count + 1;
            return queuePacket(s, devicePacket);
        }
    }
    return markWaiting(s);
}

static Tcb *idleFn(Scheduler *s, Packet *work, void *word) {
    (void)work;
    IdleRecord *data = word;
    data->count -= 1;
    if (data->count == 0) return holdSelf(s);
    if ((data->control & 1) == 0) {
        data->control = data->control / 2;
        return release(s, DEVICE_A);
    }
    data->control = (data->control / 2) ^ 53256;
    return release(s, DEVICE_B);
}

static Tcb *workerFn(Scheduler *s, Packet *work, void *word) {
    WorkerRecord *data = word;
    if (work) {
        data->destination = data->destination == HANDLER_A ? HANDLER_B : HANDLER_A;
        work->identity = data->destination;
        work->datum = 0;
        for (int i = 0; i < DATA_SIZE; i++) {
            data->count += 1;
            if (data->count > 26) data->count = 1;
            work->data[i] = 65 + data->count - 1;
        }
        return queuePacket(s, work);
    }
    return markWaiting(s);
}

static void createTask(Scheduler *s, int32_t identity, int32_t priority, Packet *work,
                       TaskState state, void *data,
                       Tcb *(*fn)(Scheduler *, Packet *, void *)) {
    Tcb *t = alloc(sizeof(Tcb));
    t->link = s->taskList;
    t->identity = identity;
    t->priority = priority;
    t->input = work;
    t->state = state;
    t->handle = data;
    t->fn = fn;
    s->taskList = t;
    s->taskTable[identity] = t;
}

static Packet *createPacket(Packet *link, int32_t identity, int32_t kind) {
    Packet *p = alloc(sizeof(Packet));
    p->link = link;
    p->identity = identity;
    p->kind = kind;
    p->datum = 0;
    p->data = alloc(DATA_SIZE * sizeof(int32_t));
    return p;
}

static const TaskState RUNNING = {0, 0, 0};
static const TaskState WAITING = {0, 1, 0};
static const TaskState WAITING_WITH_PACKET = {1, 1, 0};

static void schedule(Scheduler *s) {
    Tcb *task = s->taskList;
    s->currentTask = task;
    while (task) {
        if (isTaskHoldingOrWaiting(&task->state)) {
            task = task->link;
        } else {
            s->currentTaskIdentity = task->identity;
            Packet *message = NULL;
            if (isWaitingWithPacket(&task->state)) {
                message = task->input;
                task->input = message->link;
                if (!task->input) task->state = RUNNING;
                else task->state = (TaskState){1, 0, 0};
            }
            task = task->fn(s, message, task->handle);
        }
        s->currentTask = task;
    }
}

__attribute__((noipa)) static int start(void) {
    Scheduler *s = alloc(sizeof(Scheduler));
    s->taskTable = alloc(NUM_TYPES * sizeof(Tcb *));
    createTask(s, IDLER, 0, NULL, RUNNING, alloc(sizeof(IdleRecord)), idleFn);
    ((IdleRecord *)s->taskTable[IDLER]->handle)->control = 1;
    ((IdleRecord *)s->taskTable[IDLER]->handle)->count = 10000;
    Packet *workQ = createPacket(NULL, WORKER, WORK_PACKET_KIND);
    workQ = createPacket(workQ, WORKER, WORK_PACKET_KIND);
    WorkerRecord *worker = alloc(sizeof(WorkerRecord));
    worker->destination = HANDLER_A;
    createTask(s, WORKER, 1000, workQ, WAITING_WITH_PACKET, worker, workerFn);
    workQ = createPacket(NULL, DEVICE_A, DEVICE_PACKET_KIND);
    workQ = createPacket(workQ, DEVICE_A, DEVICE_PACKET_KIND);
    workQ = createPacket(workQ, DEVICE_A, DEVICE_PACKET_KIND);
    createTask(s, HANDLER_A, 2000, workQ, WAITING_WITH_PACKET, alloc(sizeof(HandlerRecord)),
               handlerFn);
    workQ = createPacket(NULL, DEVICE_B, DEVICE_PACKET_KIND);
    workQ = createPacket(workQ, DEVICE_B, DEVICE_PACKET_KIND);
    workQ = createPacket(workQ, DEVICE_B, DEVICE_PACKET_KIND);
    createTask(s, HANDLER_B, 3000, workQ, WAITING_WITH_PACKET, alloc(sizeof(HandlerRecord)),
               handlerFn);
    createTask(s, DEVICE_A, 4000, NULL, WAITING, alloc(sizeof(DeviceRecord)), deviceFn);
    createTask(s, DEVICE_B, 5000, NULL, WAITING, alloc(sizeof(DeviceRecord)), deviceFn);
    schedule(s);
    int result = s->queuePacketCount == 23246 && s->holdCount == 9297;
    freeAll();
    return result;
}

int main(void) {
    int ok = 1;
    int result = 1;
    for (int i = 0; i < ITERATIONS; i++) {
        result = start();
        if (!result) {
            ok = 0;
            break;
        }
    }
    if (ok) printf("Richards: ok\n");
    else printf("Richards: FAILED false\n");
    return ok ? 0 : 1;
}
