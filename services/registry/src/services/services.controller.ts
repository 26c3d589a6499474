import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { RegistrySubjects, type ServiceView, type TrafficPolicyView } from '@msec/contracts';
import { ServicesDomain, type ChangeResult } from './services.domain.js';

/** NATS request API of the service tree; validation and rules live in ServicesDomain. */
@Controller()
export class ServicesController {
  constructor(private readonly domain: ServicesDomain) {}

  @MessagePattern(RegistrySubjects.serviceCreate)
  create(@Payload() body: unknown): Promise<ChangeResult> {
    return this.domain.createService(body);
  }

  @MessagePattern(RegistrySubjects.serviceList)
  list(): Promise<ServiceView[]> {
    return this.domain.listServices();
  }

  @MessagePattern(RegistrySubjects.serviceShow)
  show(@Payload() body: unknown): Promise<ServiceView> {
    return this.domain.showService(body);
  }

  @MessagePattern(RegistrySubjects.serviceDelete)
  delete(@Payload() body: unknown): Promise<ChangeResult> {
    return this.domain.deleteService(body);
  }

  @MessagePattern(RegistrySubjects.instanceAdd)
  addInstances(@Payload() body: unknown): Promise<ChangeResult> {
    return this.domain.addInstances(body);
  }

  @MessagePattern(RegistrySubjects.instanceRemove)
  removeInstances(@Payload() body: unknown): Promise<ChangeResult> {
    return this.domain.removeInstances(body);
  }

  @MessagePattern(RegistrySubjects.scaleOut)
  scaleOut(@Payload() body: unknown): Promise<ChangeResult> {
    return this.domain.scaleOut(body);
  }

  @MessagePattern(RegistrySubjects.scaleIn)
  scaleIn(@Payload() body: unknown): Promise<ChangeResult> {
    return this.domain.scaleIn(body);
  }

  @MessagePattern(RegistrySubjects.instanceWeight)
  weight(@Payload() body: unknown): Promise<ChangeResult> {
    return this.domain.setWeight(body);
  }

  @MessagePattern(RegistrySubjects.trafficShow)
  traffic(@Payload() body: unknown): Promise<TrafficPolicyView> {
    return this.domain.showTraffic(body);
  }

  @MessagePattern(RegistrySubjects.limitSet)
  setLimit(@Payload() body: unknown): Promise<TrafficPolicyView> {
    return this.domain.setLimit(body);
  }

  @MessagePattern(RegistrySubjects.limitRemove)
  removeLimit(@Payload() body: unknown): Promise<TrafficPolicyView> {
    return this.domain.removeLimit(body);
  }

  @MessagePattern(RegistrySubjects.breakerSet)
  setBreaker(@Payload() body: unknown): Promise<TrafficPolicyView> {
    return this.domain.setBreaker(body);
  }

  @MessagePattern(RegistrySubjects.routeSet)
  setRoute(@Payload() body: unknown): Promise<TrafficPolicyView> {
    return this.domain.setRoute(body);
  }

  @MessagePattern(RegistrySubjects.routeRemove)
  removeRoute(@Payload() body: unknown): Promise<TrafficPolicyView> {
    return this.domain.removeRoute(body);
  }

  @MessagePattern(RegistrySubjects.instanceTags)
  setInstanceTags(@Payload() body: unknown): Promise<ChangeResult> {
    return this.domain.setInstanceTags(body);
  }

  @MessagePattern(RegistrySubjects.rebuild)
  rebuild(): Promise<{ services: number; instances: number }> {
    return this.domain.rebuild();
  }
}
