export { attachAuth } from './attach-auth';
export type { AttachAuthOptions, AuthRequestConfig, AuthSource, AxiosInstanceLike, DetachAuth } from './types';
import './axios-augmentation';
