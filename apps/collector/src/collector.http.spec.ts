import { loadConfig } from '@cdp/config';
import { KafkaClient } from '@cdp/kafka';
import { JsonLogger, MetricsService } from '@cdp/observability';
import { Global, INestApplication, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import type { Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import { CollectorEnv } from './collector.env';
import { CollectorModule } from './collector.module';
import { RawWebPublisher, type RawWebMessage } from './raw-web.publisher';

class FakePublisher extends RawWebPublisher {
  readonly sent: RawWebMessage[][] = [];
  async publish(messages: readonly RawWebMessage[]): Promise<void> {
    this.sent.push([...messages]);
  }
}

/** What the shared runtime provides in the real process. */
@Global()
@Module({
  providers: [
    { provide: CollectorEnv, useValue: loadConfig(CollectorEnv, { COLLECTOR_WRITE_KEYS: 'wk-web:web' }) },
    { provide: MetricsService, useValue: new MetricsService('collector') },
    { provide: JsonLogger, useValue: new JsonLogger('collector', 'fatal') },
    { provide: KafkaClient, useValue: {} },
  ],
  exports: [CollectorEnv, MetricsService, JsonLogger, KafkaClient],
})
class RuntimeStub {}

/** The collector's HTTP wiring in-process (the built service against Kafka: tests/collector). */
describe('collector HTTP API (in-process, fake Kafka)', () => {
  let app: INestApplication;
  const server = (): Server => app.getHttpServer() as Server;
  const publisher = new FakePublisher();

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [RuntimeStub, CollectorModule] })
      .overrideProvider(RawWebPublisher)
      .useValue(publisher)
      .compile();
    app = moduleRef.createNestApplication({ bodyParser: false, logger: false });
    await app.init();
  });

  afterAll(() => app.close());

  it('answers 200 {"success": true} for a call with JSON content type', async () => {
    const res = await request(server())
      .post('/v1/track')
      .auth('wk-web', '')
      .send({ userId: 'u-1', event: 'Signed Up' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true });
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });

  it('reads text/plain bodies (browser beacons) with the key in the body', async () => {
    const res = await request(server())
      .post('/v1/page')
      .set('Content-Type', 'text/plain')
      .send(JSON.stringify({ writeKey: 'wk-web', anonymousId: 'a-1', name: 'Home' }));
    expect(res.status).toBe(200);
  });

  it('reads gzip bodies (RudderStack SDK)', async () => {
    const res = await request(server())
      .post('/v1/batch')
      .auth('wk-web', '')
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'gzip')
      .serialize((bytes: Buffer) => bytes as unknown as string) // as is: superagent would JSON-encode a Buffer
      .send(gzipSync(JSON.stringify({ batch: [{ type: 'track', userId: 'u', event: 'Zipped' }] })));
    expect(res.body).toEqual({ success: true });
    expect(res.status).toBe(200);
    expect(publisher.sent.at(-1)?.[0].call.event).toBe('Zipped');
  });

  it('accepts a request of up to 500 KB, beyond the 100 kB of the default body parser', async () => {
    const call = (i: number) => ({
      type: 'track',
      userId: `u-${i}`,
      event: 'E',
      properties: { pad: 'x'.repeat(30000) },
    });
    const body = { batch: Array.from({ length: 16 }, (_, i) => call(i)) };
    expect(JSON.stringify(body).length).toBeGreaterThan(480000);
    const res = await request(server()).post('/v1/batch').auth('wk-web', '').send(body);
    expect(res.status).toBe(200);
    expect(publisher.sent.at(-1)).toHaveLength(16);
  });

  it('answers 413 naming the body beyond 500 KB', async () => {
    const body = {
      batch: [{ type: 'track', userId: 'u', event: 'E', properties: { pad: 'x'.repeat(520000) } }],
    };
    const res = await request(server()).post('/v1/batch').auth('wk-web', '').send(body);
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ success: false, error: 'too_large', errors: [{ path: 'body' }] });
  });

  it('answers 401 with a JSON body and a Basic challenge', async () => {
    const res = await request(server()).post('/v1/track').auth('nope', '').send({ userId: 'u' });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Basic/);
    expect(res.body).toMatchObject({ success: false, error: 'auth', message: 'unknown write key' });
  });

  it('answers 400 naming the body for invalid JSON', async () => {
    const res = await request(server())
      .post('/v1/identify')
      .auth('wk-web', '')
      .set('Content-Type', 'application/json')
      .send('{"userId": "u-1",');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ success: false, error: 'validation', errors: [{ path: 'body' }] });
  });

  it('answers 404 in JSON for an unknown endpoint', async () => {
    const res = await request(server()).post('/v1/purchase').auth('wk-web', '').send({});
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ success: false, error: 'not_found' });
  });

  it('answers CORS preflight requests', async () => {
    const res = await request(server())
      .options('/v1/batch')
      .set('Origin', 'https://shop.example.com')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization, content-type, anonymousid');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-methods']).toContain('POST');
    expect(res.headers['access-control-allow-headers']).toBe(
      'Authorization, Content-Type, Content-Encoding, anonymousid',
    );
  });
});
