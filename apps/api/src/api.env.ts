import { BaseEnv, DEFAULT_API_PORT, DEV_ADMIN_TOKEN, IsIntInRange, IsPort } from '@cdp/config';
import { IsString, Matches, MinLength } from 'class-validator';

/** Environment of the api service: the shared variables plus its own. */
export class ApiEnv extends BaseEnv {
  @IsPort()
  API_PORT = DEFAULT_API_PORT;

  /** Bearer token of the admin endpoints (`Authorization: Bearer <token>`), at least 16 characters. */
  @IsString()
  @MinLength(16, { message: 'must be at least 16 characters' })
  CDP_ADMIN_TOKEN = DEV_ADMIN_TOKEN;

  /**
   * How long `DELETE /v1/profiles/{id}` waits for the segmenter to emit the person's exits
   * (they must be in the history before it is erased); 503 after it (the request can be repeated).
   */
  @IsIntInRange(1000, 600000)
  API_ERASURE_EXITS_TIMEOUT_MS = 30000;

  /**
   * The segmenter's consumer group (its SEGMENTER_GROUP_ID): an erasure waits until the segmenter
   * has committed the deletion request and its history writer (`<group>.history`) has recorded
   * every transition up to there, before deleting the person's rows.
   */
  @Matches(/^[A-Za-z0-9._-]{1,200}$/, {
    message: 'must be a consumer group id (letters, digits, ".", "_", "-")',
  })
  SEGMENTER_GROUP_ID = 'cdp-segmenter';
}
